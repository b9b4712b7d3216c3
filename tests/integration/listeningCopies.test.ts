import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { demoAudio } from '../support/demoAudio';
import { portalServices, type PortalServices } from '../../server/services';
import { LISTENING_CLAIM_LAPSES_MS } from '../../server/services/listeningCopies';
import { requestDeletion, retentionSweep } from '../../server/services/retention';
import { ClaimantBrowser } from '../support/claimantBrowser';
import { grantOf } from '../support/grants';
import { SECOND } from '../support/testClock';
import { CLAIMANT, sha256, startTestPortal, type TestPortal } from '../support/testPortal';
import { DATABASE_KINDS, freshPostgresSchema, POSTGRES_URL } from '../support/testServices';

const run = promisify(execFile);
const scratch = mkdtempSync(path.join(tmpdir(), 'listening-copies-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A real file in another format, encoded by Debian's ffmpeg from the generated WAV. */
async function encoded(seconds: number, codec: string[], extension: string): Promise<Buffer> {
  const wav = path.join(scratch, `${seconds}.wav`);
  const out = path.join(scratch, `${seconds}-${codec.join('')}.${extension}`);
  writeFileSync(wav, demoAudio(seconds));
  await run('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', '-i', wav, ...codec, out]);
  return readFileSync(out);
}
const ogg = (seconds: number) => encoded(seconds, ['-c:a', 'libvorbis', '-q:a', '2'], 'ogg');

async function probe(bytes: Buffer): Promise<{ codec: string; channels: number; duration: number }> {
  const file = path.join(scratch, `probe-${sha256(bytes)}`);
  writeFileSync(file, bytes);
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'format=duration:stream=codec_name,channels', '-of', 'json', file]);
  const facts = JSON.parse(stdout) as { format: { duration: string }; streams: Array<{ codec_name: string; channels: number }> };
  return { codec: facts.streams[0].codec_name, channels: facts.streams[0].channels, duration: Number(facts.format.duration) };
}

/** Every object file the S3-compatible server keeps for the bucket, read straight off its disk. */
function objectFiles(portal: TestPortal, dir = path.join(portal.dataDir, 's3', portal.config.s3.bucket)): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? objectFiles(portal, path.join(dir, entry.name)) : entry.name.endsWith('._S3rver_object') ? [path.join(dir, entry.name)] : [],
  );
}

async function signedIn(portal: TestPortal, audio: Buffer) {
  const recording = await portal.recordingWithLink(audio);
  const browser = new ClaimantBrowser(portal.app);
  expect((await browser.enterNino(recording.path, CLAIMANT.nino)).status).toBe(303);
  return { ...recording, browser };
}

/** Presses one of the page's download buttons and fetches the file the portal sends. */
async function downloadFile(browser: ClaimantBrowser, linkPath: string, file?: string) {
  const grant = grantOf(await browser.get(linkPath));
  const pressed = await browser.post(`${linkPath}/download`, file === undefined ? { grant } : { grant, file });
  if (pressed.status !== 303) return { pressed, got: undefined };
  return { pressed, got: await browser.getBytes(pressed.headers.location) };
}

describe('with ffmpeg (as in CI)', () => {
  let portal: TestPortal;
  let services: PortalServices;
  beforeAll(async () => {
    portal = await startTestPortal();
    services = portalServices(portal.deps);
    portal.clock.set(new Date(Math.floor(Date.now() / SECOND) * SECOND));
  });
  afterAll(async () => {
    await portal.close();
  });

  test('an OGG and a large WAV get a mono AAC copy of the same length, which the player streams and the signed manifest and /verify vouch for', async () => {
    const oggRecording = await signedIn(portal, await ogg(30));
    // 16 kHz 16-bit mono is 115 MB an hour: two minutes of it is a large original by the real rule.
    const wavRecording = await signedIn(portal, demoAudio(120));
    const before = await oggRecording.browser.get(oggRecording.path);
    expect(before.text).toContain('We are making a smaller copy');
    expect(before.text).not.toContain('data-qa="download-phone-copy"');

    expect((await services.listeningCopies.runOnce()).made).toBe(2);

    for (const [recording, seconds, originalType] of [[oggRecording, 30, 'audio/ogg'], [wavRecording, 120, 'audio/wav']] as const) {
      const row = (await portal.recordings.findRecording(recording.recordingId))!;
      expect(row.listening_status).toBe('made');
      expect(row.listening_object_key).toBe(`listening/${row.id}.m4a`);

      const listened = await recording.browser.getBytes(`${recording.path}/listen`);
      expect(listened.status).toBe(200);
      expect(listened.headers['content-type']).toBe('audio/mp4');
      const copy = listened.bytes;
      expect(copy.length).toBe(row.listening_size_bytes);
      const facts = await probe(copy);
      expect(facts).toMatchObject({ codec: 'aac', channels: 1 });
      expect(Math.abs(facts.duration - seconds)).toBeLessThanOrEqual(1);
      expect(copy.length).toBeLessThan(seconds * 6_000);

      // The original is untouched and still the download's first choice.
      const original = await downloadFile(recording.browser, recording.path, 'original');
      expect(original.got!.headers['content-type']).toBe(originalType);
      expect(sha256(original.got!.bytes)).toBe(sha256(recording.audio));

      const manifest = await recording.browser.get(`${recording.path}/manifest`);
      const verified = await services.manifests.verify(manifest.text);
      expect(verified).toMatchObject({ sha256: sha256(recording.audio), sizeBytes: recording.audio.length, listeningCopy: { sha256: sha256(copy), sizeBytes: copy.length, contentType: 'audio/mp4' } });

      const checkCopy = await recording.browser.get(`/verify?sha256=${sha256(copy)}`);
      expect(checkCopy.text).toContain('data-qa="verify-match"');
      expect(checkCopy.text).toContain('This file is the smaller copy for phones');
      const checkOriginal = await recording.browser.get(`/verify?sha256=${sha256(recording.audio)}`);
      expect(checkOriginal.text).toContain('data-qa="verify-match"');
      expect(checkOriginal.text).not.toContain('smaller copy for phones');
    }
  }, 120_000);

  test('a manifest handed out before the copy was made still verifies', async () => {
    const recording = await signedIn(portal, await ogg(5));
    const earlier = (await recording.browser.get(`${recording.path}/manifest`)).text;
    await services.listeningCopies.runOnce();
    const later = (await recording.browser.get(`${recording.path}/manifest`)).text;
    expect(later).not.toBe(earlier);
    expect(await services.manifests.verify(earlier)).toMatchObject({ sha256: sha256(recording.audio) });
    expect((await services.manifests.verify(earlier))!.listeningCopy).toBeUndefined();
  });

  test('the phone copy is a download like the original: one grant, counted once each time, the same window; a made-up file is refused and counts nothing', async () => {
    const { path: linkPath, browser, linkId, recordingId } = await signedIn(portal, await ogg(20));
    await services.listeningCopies.runOnce();
    const page = await browser.get(linkPath);
    const row = (await portal.recordings.findRecording(recordingId))!;
    expect(page.text).toContain('data-qa="download-phone-copy"');
    expect(page.text).toContain(`Download the smaller copy for phones (`);
    expect(page.text).toContain(row.listening_sha256!);

    const refused = await downloadFile(browser, linkPath, 'passwords');
    expect(refused.pressed.status).toBe(400);
    expect((await portal.links.findLink(linkId))!.download_count).toBe(0);

    const phone = await downloadFile(browser, linkPath, 'listening');
    expect(phone.got!.status).toBe(200);
    expect(phone.got!.headers['content-type']).toBe('audio/mp4');
    expect(phone.got!.headers['content-disposition']).toMatch(/^attachment; filename="assessment-recording-\d{4}-\d\d-\d\d-phone\.m4a"$/);
    expect(sha256(phone.got!.bytes)).toBe(row.listening_sha256);
    let link = (await portal.links.findLink(linkId))!;
    expect(link.download_count).toBe(1);
    const firstDownloadAt = link.first_download_at;

    // Resuming the phone copy's transfer is not another download.
    const rest = await browser.getBytes(phone.pressed.headers.location, { Range: 'bytes=100-', 'If-Range': phone.got!.headers.etag });
    expect(rest.status).toBe(206);
    expect(rest.bytes.equals(phone.got!.bytes.subarray(100))).toBe(true);

    const original = await downloadFile(browser, linkPath);
    expect(sha256(original.got!.bytes)).toBe(row.sha256);
    link = (await portal.links.findLink(linkId))!;
    expect(link.download_count).toBe(2);
    expect(link.first_download_at).toBe(firstDownloadAt);

    // A spent grant stays spent whichever file it asks for.
    const grant = grantOf(page);
    expect((await browser.post(`${linkPath}/download`, { grant, file: 'listening' })).status).toBe(303);
    expect((await browser.post(`${linkPath}/download`, { grant, file: 'original' })).status).toBe(409);
    expect((await portal.links.findLink(linkId))!.download_count).toBe(3);
  });

  test('a large M4A whose index is at its end (it cannot be read from a pipe) is read from disk and copied', async () => {
    // 128 kbit/s is 58 MB an hour; ffmpeg writes the moov atom last unless told otherwise.
    const m4a = await encoded(12, ['-ar', '48000', '-ac', '2', '-c:a', 'aac', '-b:a', '160k', '-f', 'mp4'], 'm4a');
    expect(m4a.length / (12 / 3600)).toBeGreaterThan(30_000_000);
    expect(m4a.indexOf('moov')).toBeGreaterThan(m4a.indexOf('mdat'));
    const { path: linkPath, browser, recordingId } = await signedIn(portal, m4a);
    // Its length as ingest reads it from the container (music-metadata, where ingest states it).
    await portal.db.updateTable('recordings').set({ duration_seconds: 12 }).where('id', '=', recordingId).execute();
    expect(await services.listeningCopies.runOnce()).toMatchObject({ made: 1, failed: 0 });
    const copy = (await browser.getBytes(`${linkPath}/listen`)).bytes;
    expect(Math.abs((await probe(copy)).duration - 12)).toBeLessThanOrEqual(1);
    expect(readdirSync(path.join(portal.dataDir, 'listening-copies'))).toEqual([]);
  });

  test('an original that plays on phones and is small gets no copy, and the page offers only the original', async () => {
    const mp3 = await encoded(10, ['-c:a', 'libmp3lame', '-b:a', '64k'], 'mp3');
    const { path: linkPath, browser, recordingId } = await signedIn(portal, mp3);
    expect(await services.listeningCopies.runOnce()).toMatchObject({ made: 0, notNeeded: 1 });
    expect((await portal.recordings.findRecording(recordingId))!.listening_status).toBe('not-needed');
    const page = await browser.get(linkPath);
    expect(page.text).not.toContain('download-phone-copy');
    expect(page.text).not.toContain('phone-copy-note');
    expect((await browser.getBytes(`${linkPath}/listen`)).headers['content-type']).toBe('audio/mpeg');
  });

  test('a claim left by an instance that stopped is taken over after exactly 15 minutes, not before', async () => {
    const { recordingId } = await portal.recordingWithLink(await ogg(5));
    const claimedAt = portal.clock();
    expect((await portal.recordings.claimListeningCopy('instance-that-stopped', claimedAt, new Date(claimedAt.getTime() - LISTENING_CLAIM_LAPSES_MS), true))!.id).toBe(recordingId);
    portal.clock.set(new Date(claimedAt.getTime() + LISTENING_CLAIM_LAPSES_MS - 1));
    expect((await services.listeningCopies.runOnce()).made).toBe(0);
    expect((await portal.recordings.findRecording(recordingId))!.listening_status).toBe('making');
    portal.clock.set(new Date(claimedAt.getTime() + LISTENING_CLAIM_LAPSES_MS));
    expect((await services.listeningCopies.runOnce()).made).toBe(1);
    // The stopped instance, come back, cannot settle what is no longer its claim.
    expect(await portal.recordings.settleListeningCopy(recordingId, 'instance-that-stopped', portal.clock(), { status: 'failed', error: 'late' })).toBe(false);
    expect((await portal.recordings.findRecording(recordingId))!.listening_status).toBe('made');
  });

  test('shutting down stops ffmpeg at once and gives the recording back for the next run, leaving nothing behind', async () => {
    // Twenty minutes at 8 kHz: seconds of work for ffmpeg here, long enough to be stopped halfway.
    const { recordingId } = await portal.recordingWithLink(demoAudio(20 * 60, 8_000));
    const job = portalServices(portal.deps).listeningCopies;
    const workDir = path.join(portal.dataDir, 'listening-copies');
    job.start(60_000);
    const encoding = () => existsSync(workDir) && readdirSync(workDir).some((name) => name.startsWith(recordingId));
    while (!encoding()) await new Promise((resolve) => setTimeout(resolve, 20));
    const stoppedAt = performance.now();
    await job.stop();
    expect(performance.now() - stoppedAt).toBeLessThan(2_000);
    const row = (await portal.recordings.findRecording(recordingId))!;
    expect(row.listening_status).toBe('pending');
    expect(await portal.deps.objects.exists(`listening/${recordingId}.m4a`)).toBe(false);
    expect(readdirSync(workDir)).toEqual([]);
    // Given back, not left claimed for 15 minutes: the next run (here, another instance's) claims it at once.
    const next = await portal.recordings.claimListeningCopy('next-run', portal.clock(), new Date(portal.clock().getTime() - LISTENING_CLAIM_LAPSES_MS), true);
    expect(next?.id).toBe(recordingId);
    // Settled here so that the later tests' runs do not spend their time encoding it.
    await portal.recordings.settleListeningCopy(recordingId, 'next-run', portal.clock(), { status: 'not-needed' });
  }, 60_000);

  test('deleting a recording deletes its listening copy from the bucket too', async () => {
    const { recordingId } = await portal.recordingWithLink(await ogg(5));
    await services.listeningCopies.runOnce();
    const row = (await portal.recordings.findRecording(recordingId))!;
    const objectsBefore = objectFiles(portal).length;
    expect(await portal.deps.objects.exists(row.listening_object_key!)).toBe(true);
    await requestDeletion(portal.deps, { recordingId, reason: 'test', actor: 'dpo' });
    const report = await retentionSweep(portal.deps, { dryRun: false, actor: 'test' });
    expect(report.deleted.map((entry) => entry.recordingId)).toContain(recordingId);
    expect(await portal.deps.objects.exists(row.object_key)).toBe(false);
    expect(await portal.deps.objects.exists(row.listening_object_key!)).toBe(false);
    expect(objectFiles(portal).length).toBe(objectsBefore - 2);
    // /verify still answers for both files from the tombstone's manifest.
    const browser = new ClaimantBrowser(portal.app);
    expect((await browser.get(`/verify?sha256=${row.listening_sha256}`)).text).toContain('data-qa="verify-match"');
  });
});

/** The check at ingest decodes each upload through the same ffmpeg (`-i pipe:0 ... -f null`): the fakes below let it by. */
const DECODE_AT_INGEST = 'case " $* " in *" pipe:0 "*" -f null "*) exec ffmpeg "$@";; esac\n';

describe('a transcript attached while the copy is being made', () => {
  const gate = path.join(scratch, 'ffmpeg-may-start');
  const gatedFfmpeg = path.join(scratch, 'ffmpeg-gated');
  let portal: TestPortal;
  beforeAll(async () => {
    // Debian's ffmpeg, held until the test opens the gate: the transcript lands while the job holds its claim.
    writeFileSync(gatedFfmpeg, `#!/bin/sh\n${DECODE_AT_INGEST}while [ ! -e ${gate} ]; do sleep 0.05; done\nexec ffmpeg "$@"\n`, { mode: 0o755 });
    portal = await startTestPortal({ FFMPEG_PATH: gatedFfmpeg });
  });
  afterAll(() => portal.close());

  test('the signed manifest names both the copy and the transcript', async () => {
    const services = portalServices(portal.deps);
    const recording = await signedIn(portal, await ogg(10));
    const run = services.listeningCopies.runOnce();
    while ((await portal.recordings.findRecording(recording.recordingId))!.listening_status !== 'making') await new Promise((resolve) => setTimeout(resolve, 20));
    const vtt = Buffer.from('WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nAssessor: Can you cook a meal?\n');
    await services.transcripts.attach({ recordingId: recording.recordingId, vtt, source: 'provider', actor: 'provider:test' });
    writeFileSync(gate, '');
    expect((await run).made).toBe(1);

    const manifest = await services.manifests.verify((await recording.browser.get(`${recording.path}/manifest`)).text);
    const copy = (await recording.browser.getBytes(`${recording.path}/listen`)).bytes;
    expect(manifest).toMatchObject({ sha256: sha256(recording.audio), listeningCopy: { sha256: sha256(copy) }, transcript: { sha256: sha256(vtt) } });
  }, 60_000);
});

describe.each(DATABASE_KINDS)('racing instances (%s)', (kind) => {
  const countingFfmpeg = path.join(scratch, `ffmpeg-${kind}`);
  const ffmpegRuns = path.join(scratch, `ffmpeg-runs-${kind}`);
  let portal: TestPortal;
  let schema: Awaited<ReturnType<typeof freshPostgresSchema>> | undefined;
  beforeAll(async () => {
    schema = kind === 'postgres' ? await freshPostgresSchema(POSTGRES_URL!) : undefined;
    // Debian's ffmpeg behind a script that notes each run: the CPU a second copy would cost shows here.
    writeFileSync(countingFfmpeg, `#!/bin/sh\n${DECODE_AT_INGEST}echo run >> ${ffmpegRuns}\nexec ffmpeg "$@"\n`, { mode: 0o755 });
    portal = await startTestPortal({ FFMPEG_PATH: countingFfmpeg, ...(schema ? { DATABASE_URL: schema.url } : {}) });
  });
  afterAll(async () => {
    await portal.close();
    await schema?.drop();
  });

  test('several instances running the job at once make exactly one copy of each recording', async () => {
    const services = portalServices(portal.deps);
    const recordings = [await portal.recordingWithLink(await ogg(4)), await portal.recordingWithLink(await ogg(6))];
    const other = await portal.anotherInstance();
    try {
      const elsewhere = portalServices(other.deps);
      const runs = await Promise.all([services.listeningCopies.runOnce(), services.listeningCopies.runOnce(), elsewhere.listeningCopies.runOnce(), elsewhere.listeningCopies.runOnce()]);
      expect(runs.reduce((sum, counts) => sum + counts.made, 0)).toBe(2);
      expect(readFileSync(ffmpegRuns, 'utf8').trim().split('\n')).toHaveLength(2);
    } finally {
      await other.close();
    }
    for (const { recordingId } of recordings) expect((await portal.recordings.findRecording(recordingId))!.listening_status).toBe('made');
  });
});

describe('without ffmpeg (a developer machine)', () => {
  let portal: TestPortal;
  beforeAll(async () => {
    portal = await startTestPortal({ FFMPEG_PATH: '/nonexistent' });
  });
  afterAll(async () => {
    await portal.close();
  });

  test('ingest still works, the status is recorded for staff, and the page says no phone copy was made', async () => {
    const audio = await ogg(5);
    const { path: linkPath, browser, recordingId } = await signedIn(portal, audio);
    expect(await portalServices(portal.deps).listeningCopies.runOnce()).toMatchObject({ made: 0, noFfmpeg: 1 });
    expect((await portal.recordings.findRecording(recordingId))!.listening_status).toBe('no-ffmpeg');
    const page = await browser.get(linkPath);
    expect(page.text).toContain('No smaller copy for phones was made of this recording');
    expect(page.text).not.toContain('download-phone-copy');
    expect((await browser.getBytes(`${linkPath}/listen`)).headers['content-type']).toBe('audio/ogg');
    const download = await downloadFile(browser, linkPath);
    expect(sha256(download.got!.bytes)).toBe(sha256(audio));
  });
});
