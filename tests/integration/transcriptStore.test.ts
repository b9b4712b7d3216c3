import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../server/store/database';
import { portalStores, type PortalStores } from '../../server/runtime';
import type { NewTranscript, TranscriptStore } from '../../server/store/transcriptStore';
import { DAY } from '../support/testClock';
import { DATABASE_KINDS, freshPostgresSchema, POSTGRES_URL } from '../support/testServices';

const T0 = new Date('2026-11-23T10:00:00.000Z');

describe.each(DATABASE_KINDS)('the transcript store on %s', (kind) => {
  let stores: PortalStores;
  let transcripts: TranscriptStore;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'transcript-store-'));
    const schema = kind === 'postgres' ? await freshPostgresSchema(POSTGRES_URL!) : undefined;
    const database = await openDatabase({ url: schema?.url, sqliteFile: path.join(dir, 'portal.sqlite'), poolSize: 20, statementTimeoutMs: 5000 });
    const { db } = database;
    stores = portalStores(database);
    transcripts = stores.transcriptStore;
    cleanup = async () => {
      await db.destroy();
      await schema?.drop();
      rmSync(dir, { recursive: true, force: true });
    };
  });
  afterEach(() => cleanup());

  async function recording() {
    const id = randomUUID();
    await stores.recordings.addRecording(
      {
        id,
        assessment_ref: `TRS-${id.slice(0, 8)}`,
        recorded_at: T0.toISOString(),
        retain_until: new Date(T0.getTime() + 730 * DAY).toISOString(),
        object_key: `recordings/${id}.wav`,
        content_type: 'audio/wav',
        size_bytes: 1234,
        sha256: 'ab'.repeat(32),
        duration_seconds: 60,
        nino_hash: null,
        nino_index: null,
        phone_encrypted: null,
        language: 'en',
        manifest: 'm0',
      },
      T0,
      'test',
    );
    return id;
  }

  const transcript = (recordingId: string, n: number): NewTranscript => ({
    recording_id: recordingId,
    object_key: `transcripts/${recordingId}/${n}.vtt`,
    sha256: String(n).padStart(64, '0'),
    size_bytes: 100 + n,
    cue_count: n,
    source: 'provider',
    attached_by: 'provider:p1',
    attached_at: T0.toISOString(),
  });
  const audited = (recordingId: string) => (replaced: unknown) => ({ type: replaced ? ('transcript.replaced' as const) : ('transcript.attached' as const), actor: 'provider:p1', recordingId });
  const transcriptEvents = async (recordingId: string) => (await stores.audit.auditTrail({ recordingId })).filter((event) => event.type.startsWith('transcript.')).map((event) => event.type);

  test('ten attachments racing on one recording each replace the one before: one row, every manifest signed from the last', async () => {
    const recordingId = await recording();
    const signedFrom: Array<string | null> = [];
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, (_, n) =>
        transcripts.attach(transcript(recordingId, n + 1), T0, async (current) => {
          signedFrom.push(current);
          return `m${n + 1}`;
        }, audited(recordingId)),
      ),
    );
    expect(outcomes.every((outcome) => outcome.attached)).toBe(true);
    // Each saw the manifest the one before it wrote, and replaced its transcript: none was lost.
    const replaced = outcomes.map((outcome) => (outcome.attached && outcome.replaced ? outcome.replaced.object_key : null));
    expect(replaced.filter((key) => key === null)).toHaveLength(1);
    expect(new Set(replaced.filter(Boolean)).size).toBe(9);
    expect(new Set(signedFrom).size).toBe(10);
    const current = (await transcripts.current(recordingId))!;
    expect(current.replaced_count).toBe(9);
    expect((await stores.recordings.findRecording(recordingId))!.manifest).toBe(`m${current.cue_count}`);
    expect(await transcripts.objectKeysOf(recordingId)).toEqual([current.object_key]);
    // Each one is in the audit chain, committed with it.
    expect((await transcriptEvents(recordingId)).sort()).toEqual(['transcript.attached', ...Array(9).fill('transcript.replaced')]);
  });

  test('a recording asked to be deleted, or past its date, takes no transcript, and its manifest stays', async () => {
    const asked = await recording();
    await stores.retention.requestDeletion(asked, 'claimant asked', T0, 'test');
    expect(await transcripts.attach(transcript(asked, 1), T0, async () => 'm1', audited(asked))).toEqual({ attached: false });
    const old = await recording();
    expect(await transcripts.attach(transcript(old, 1), new Date(T0.getTime() + 731 * DAY), async () => 'm1', audited(old))).toEqual({ attached: false });
    expect(await transcripts.current(asked)).toBeUndefined();
    expect((await stores.recordings.findRecording(old))!.manifest).toBe('m0');
    expect([...(await transcriptEvents(asked)), ...(await transcriptEvents(old))]).toEqual([]);
  });
});
