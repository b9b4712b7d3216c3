import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { demoAudio } from '../support/demoAudio';
import { startEmbeddedS3 } from '../../server/objects/embeddedS3';
import { liftLegalHold, placeLegalHold, requestDeletion, retentionSweep } from '../../server/services/retention';
import { ClaimantBrowser } from '../support/claimantBrowser';
import { startS3Interceptor } from '../support/s3Interceptor';
import { SECOND } from '../support/testClock';
import { CLAIMANT, startTestPortal, type TestPortal } from '../support/testPortal';

let portal: TestPortal;
beforeEach(async () => {
  portal = await startTestPortal();
});
afterEach(async () => {
  await portal.close();
});

/** A recording made exactly 24 months before `retainUntil`, with a link that was sent and opened. */
async function recordingRetainedUntil(retainUntil: Date, ref = `RET-${Math.random().toString(36).slice(2, 8)}`) {
  const recordedAt = new Date(retainUntil);
  recordedAt.setUTCFullYear(recordedAt.getUTCFullYear() - 2);
  portal.clock.set(new Date(retainUntil.getTime() - 60 * SECOND));
  const file = path.join(portal.dataDir, `${ref}.wav`);
  writeFileSync(file, demoAudio(1));
  const added = await portal.cli('recordings', 'add', '--file', file, '--ref', ref, '--nino', CLAIMANT.nino, '--phone', CLAIMANT.phone, '--recorded-at', recordedAt.toISOString());
  const recordingId = added.json.recordingId as string;
  const link = await portal.sendLink(recordingId);
  const row = (await portal.recordings.findRecording(recordingId))!;
  expect(row.retain_until).toBe(retainUntil.toISOString());
  return { recordingId, ...link, objectKey: row.object_key };
}

const sweep = (dryRun = false) => retentionSweep(portal.deps, { dryRun, actor: 'test' });
/** Every object file the S3-compatible server keeps for the bucket, read straight off its disk. */
function objectFiles(dir = path.join(portal.dataDir, 's3', portal.config.s3.bucket)): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? objectFiles(path.join(dir, entry.name)) : entry.name.endsWith('._S3rver_object') ? [entry.name] : [],
  );
}
const RETAIN_UNTIL = new Date('2026-12-01T09:00:00.000Z');

test('a recording is kept one second before 24 months and deleted one second after', async () => {
  const { recordingId, objectKey, path: linkPath } = await recordingRetainedUntil(RETAIN_UNTIL);
  portal.clock.set(new Date(RETAIN_UNTIL.getTime() - SECOND));
  expect((await sweep()).deleted).toEqual([]);
  expect(await portal.deps.objects.exists(objectKey)).toBe(true);
  expect(objectFiles()).toHaveLength(1);

  portal.clock.set(new Date(RETAIN_UNTIL.getTime() + SECOND));
  const report = await sweep();
  expect(report.deleted).toEqual([expect.objectContaining({ recordingId, reason: 'retention period over' })]);
  expect(await portal.deps.objects.exists(objectKey)).toBe(false);
  expect(objectFiles()).toEqual([]);

  const tombstone = (await portal.recordings.findRecording(recordingId))!;
  expect(tombstone).toMatchObject({ nino_hash: null, nino_index: null, phone_encrypted: null, deletion_reason: 'retention period over' });
  expect(tombstone.sha256).toMatch(/^[0-9a-f]{64}$/);
  expect(tombstone.deleted_at).toBe(new Date(RETAIN_UNTIL.getTime() + SECOND).toISOString());
  const page = await new ClaimantBrowser(portal.app).get(linkPath);
  expect(page.status).toBe(410);
  expect(page.text).toContain('This recording is no longer available');
  expect((await sweep()).deleted).toEqual([]);
  expect((await portal.cli('audit', 'verify')).json).toMatchObject({ intact: true });
});

test('--dry-run reports what would go and deletes nothing', async () => {
  const { recordingId, objectKey } = await recordingRetainedUntil(RETAIN_UNTIL);
  portal.clock.set(new Date(RETAIN_UNTIL.getTime() + SECOND));
  const dry = await portal.cli('retention', 'sweep', '--dry-run');
  expect(dry).toEqual({ code: 0, json: { dryRun: true, ran: true, deleted: [expect.objectContaining({ recordingId })], held: [], refused: [] } });
  expect(await portal.deps.objects.exists(objectKey)).toBe(true);
  expect((await portal.recordings.findRecording(recordingId))!.deleted_at).toBeNull();
  expect((await portal.cli('retention', 'sweep')).json).toMatchObject({ dryRun: false, deleted: [expect.objectContaining({ recordingId })] });
});

test('a legal hold keeps a recording past its date; it is deleted once the hold is lifted', async () => {
  const { recordingId, objectKey, path: linkPath } = await recordingRetainedUntil(RETAIN_UNTIL);
  await placeLegalHold(portal.deps, { recordingId, reason: 'appeal SC123/26 open', actor: 'supervisor-1' });
  portal.clock.set(new Date(RETAIN_UNTIL.getTime() + 30 * 86_400_000));
  expect(await sweep()).toMatchObject({ deleted: [], held: [expect.objectContaining({ recordingId })] });
  expect(await portal.deps.objects.exists(objectKey)).toBe(true);
  expect((await new ClaimantBrowser(portal.app).get(linkPath)).status).toBe(410);

  expect(await liftLegalHold(portal.deps, { recordingId, reason: 'appeal decided', actor: 'supervisor-1' })).toEqual({ lifted: 1 });
  expect((await sweep()).deleted).toEqual([expect.objectContaining({ recordingId })]);
  expect(await portal.deps.objects.exists(objectKey)).toBe(false);
  const types = (await portal.audit.auditTrail({ recordingId })).map((e) => e.type);
  expect(types).toEqual(expect.arrayContaining(['legal-hold.placed', 'legal-hold.lifted', 'recording.deleted']));
});

test('a deletion request deletes early, stops downloads at once, and waits while a hold stands', async () => {
  const early = await recordingRetainedUntil(new Date('2028-06-01T09:00:00.000Z'), 'EARLY-1');
  portal.clock.set(new Date('2026-11-23T10:00:00.000Z'));
  expect(await requestDeletion(portal.deps, { recordingId: early.recordingId, reason: 'erasure request DP-42', actor: 'dpo' })).toEqual({ requested: true, blockedByLegalHold: false });
  expect((await new ClaimantBrowser(portal.app).get(early.path)).status).toBe(410);

  const held = await recordingRetainedUntil(new Date('2028-07-01T09:00:00.000Z'), 'HELD-1');
  portal.clock.set(new Date('2026-11-23T10:00:00.000Z'));
  await placeLegalHold(portal.deps, { recordingId: held.recordingId, reason: 'tribunal', actor: 'supervisor-1' });
  expect(await requestDeletion(portal.deps, { recordingId: held.recordingId, reason: 'erasure request DP-43', actor: 'dpo' })).toEqual({ requested: true, blockedByLegalHold: true });

  const report = await sweep();
  expect(report.deleted).toEqual([{ recordingId: early.recordingId, assessmentRef: 'EARLY-1', reason: 'deletion requested' }]);
  expect(report.held).toEqual([{ recordingId: held.recordingId, assessmentRef: 'HELD-1' }]);
});

test('reasons are required and an unknown recording is refused', async () => {
  const { recordingId } = await recordingRetainedUntil(RETAIN_UNTIL);
  await expect(placeLegalHold(portal.deps, { recordingId, reason: '  ', actor: 's' })).rejects.toMatchObject({ field: 'reason' });
  await expect(requestDeletion(portal.deps, { recordingId: 'nope', reason: 'x', actor: 's' })).rejects.toMatchObject({ field: 'recording' });
});

test('only one instance sweeps at a time', async () => {
  await recordingRetainedUntil(RETAIN_UNTIL);
  portal.clock.set(new Date(RETAIN_UNTIL.getTime() + SECOND));
  expect(await portal.leases.acquireLease('retention-sweep', 'another-instance', portal.clock(), new Date(portal.clock().getTime() + 60_000))).toBe(true);
  expect(await sweep()).toMatchObject({ ran: false, deleted: [] });
  portal.clock.advance(61_000);
  expect((await sweep()).deleted).toHaveLength(1);
});

test('audio the store refuses to delete is reported and kept on record; the sweep goes on with the rest', async () => {
  const s3Dir = mkdtempSync(path.join(tmpdir(), 'retention-s3-'));
  const s3 = await startEmbeddedS3(s3Dir, 'assessment-recordings', 0);
  let lockedKey = '';
  const locking = await startS3Interceptor(s3.endpoint, (method, requestPath) => (method === 'DELETE' && lockedKey !== '' && requestPath.includes(lockedKey) ? 'refuse' : 'pass'));
  try {
    await portal.close();
    portal = await startTestPortal({ S3_ENDPOINT: locking.endpoint, S3_ACCESS_KEY_ID: s3.credentials.accessKeyId, S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey });
    // The locked recording is due first, so a sweep that stopped at it would delete nothing.
    const locked = await recordingRetainedUntil(RETAIN_UNTIL, 'LOCKED-1');
    const other = await recordingRetainedUntil(new Date(RETAIN_UNTIL.getTime() + 60 * SECOND), 'OTHER-1');
    lockedKey = locked.objectKey;
    portal.clock.set(new Date(RETAIN_UNTIL.getTime() + 2 * 60 * SECOND));

    const swept = await portal.cli('retention', 'sweep');
    expect(swept.code).toBe(1);
    expect(swept.json.deleted).toEqual([expect.objectContaining({ recordingId: other.recordingId })]);
    expect(swept.json.refused).toEqual([{ recordingId: locked.recordingId, assessmentRef: 'LOCKED-1', storeSaid: expect.stringMatching(/AccessDenied.*HTTP 403/) }]);
    expect(await portal.deps.objects.exists(locked.objectKey)).toBe(true);
    expect(await portal.deps.objects.exists(other.objectKey)).toBe(false);
    // Not tombstoned: the personal data stays with the audio until the audio can go.
    expect((await portal.recordings.findRecording(locked.recordingId))!).toMatchObject({ deleted_at: null, nino_hash: expect.any(String) });
    // The scheduled sweep says so in the logs, every time, until someone acts.
    expect((await sweep()).refused).toHaveLength(1);
    expect(portal.logLines.some((line) => line.includes('the store refused to delete some audio') && line.includes(locked.recordingId))).toBe(true);
    const refusedGauge = async () => (await portal.deps.metrics.retentionRefused.get()).values[0]?.value;
    expect(await refusedGauge()).toBe(1); // what an alert watches

    lockedKey = '';
    expect((await sweep()).deleted).toEqual([expect.objectContaining({ recordingId: locked.recordingId })]);
    expect(await refusedGauge()).toBe(0);
  } finally {
    await locking.close();
    await s3.close();
    rmSync(s3Dir, { recursive: true, force: true });
  }
});
