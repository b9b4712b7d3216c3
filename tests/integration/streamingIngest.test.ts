import { createHash } from 'node:crypto';
import { createWriteStream, readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { wavHeader } from '../../server/demoAudio';
import { CLAIMANT, startTestPortal, type TestPortal } from '../support/testPortal';
import { uploadFraming } from '../support/uploadFraming';

const MiB = 1024 * 1024;
const ONE_GB = 1024 * MiB;
const WARM_UP_BYTES = 64 * MiB;
/**
 * The heaviest test sends 1 GB through the real app and s3rver on this one process: bounded, but not quick
 * (20 s on an idle 2-core machine, about 110 s in CI beside the other Node's suite, slower still on a busy day).
 */
const LARGE_TIMEOUT_MS = 480_000;

/** The process's peak resident memory so far (VmHWM), in bytes. */
function peakRss(): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
  return Number(match![1]) * 1024;
}

/**
 * A 16 kHz 16-bit mono WAV of `totalBytes`, generated as it is read (a quiet tone, 64 KiB at a
 * time: never the whole file in memory), with its SHA-256 once it has all been read.
 */
function generatedWav(totalBytes: number) {
  const header = wavHeader((totalBytes - 44) / 2, 16_000);
  const block = Buffer.alloc(64 * 1024);
  for (let i = 0; i < block.length / 2; i++) block.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / 16_000) * 2000), i * 2);
  const hash = createHash('sha256');
  async function* bytes() {
    hash.update(header);
    yield header;
    for (let left = totalBytes - 44; left > 0; left -= block.length) {
      const chunk = left >= block.length ? block : block.subarray(0, left);
      hash.update(chunk);
      yield chunk;
    }
  }
  return { stream: () => Readable.from(bytes(), { objectMode: false }), sha256: () => hash.digest('hex') };
}

let portal: TestPortal;
let apiKey: string;
let server: http.Server;
afterEach(async () => {
  await new Promise((resolve) => server.close(resolve));
  await portal.close();
});
async function start(overrides: Record<string, string> = {}) {
  portal = await startTestPortal(overrides);
  apiKey = (await portal.cli('providers', 'add', '--name', 'Streaming Ltd')).json.apiKey as string;
  server = http.createServer(portal.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
}

const bucketRoot = () => path.join(portal.dataDir, 's3', portal.config.s3.bucket);
/** Objects in the bucket: one `._S3rver_object` file each on the embedded S3 server's disk. */
const bucketObjects = () => readdirSync(bucketRoot(), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('._S3rver_object'));
/** Multipart uploads begun and neither completed nor aborted (s3rver has no ListMultipartUploads: its directory for them). */
function multipartUploads(): string[] {
  try {
    return readdirSync(path.join(bucketRoot(), '._S3rver_uploads'));
  } catch {
    return [];
  }
}

const BOUNDARY = 'streaming-ingest-boundary';
/**
 * A multipart upload on a real socket: its fields, then `audio` as it is read. With `declaredBytes`
 * the request says its length; `cutAfter` sends that many bytes of the audio and drops the connection.
 */
function sendUpload(ref: string, audio: Readable, options: { declaredBytes?: number; cutAfter?: number; extraFields?: Record<string, string> } = {}) {
  const fields = { assessmentRef: ref, nino: CLAIMANT.nino, mobile: CLAIMANT.phone, ...options.extraFields };
  const { preamble, epilogue } = uploadFraming(BOUNDARY, fields, 'long.wav');
  const headers: Record<string, string | number> = { authorization: `Bearer ${apiKey}`, 'content-type': `multipart/form-data; boundary=${BOUNDARY}` };
  if (options.declaredBytes !== undefined) headers['content-length'] = preamble.length + options.declaredBytes + epilogue.length;
  const sent = http.request({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, method: 'POST', path: '/api/v1/recordings', headers });
  const answer = new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
    sent.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ status: response.statusCode!, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') }));
    });
    sent.on('error', reject);
  });
  async function* body() {
    yield preamble;
    let sentBytes = 0;
    for await (const chunk of audio) {
      if (options.cutAfter !== undefined && sentBytes >= options.cutAfter) {
        sent.destroy();
        return;
      }
      sentBytes += (chunk as Buffer).length;
      yield chunk as Buffer;
    }
    yield epilogue;
  }
  const sending = pipeline(Readable.from(body()), sent).catch(() => undefined);
  return { answer, sending };
}

/** Waits until the portal has finished with a request nobody is listening to the answer of. */
async function eventually(check: () => boolean, timeoutMs = 10_000) {
  for (const deadline = Date.now() + timeoutMs; !check() && Date.now() < deadline; ) await new Promise((resolve) => setTimeout(resolve, 100));
}

describe('streaming ingest', () => {
  test(
    'a 1 GB WAV through the API is stored with its SHA-256 while the process’s peak memory grows by less than a quarter of it',
    async () => {
      await start();
      // A first upload loads music-metadata and the SDK and grows the heap to its working size: that
      // memory is the process's, not the file's. Flat means the next, 16 times larger, adds nothing.
      const warmUp = generatedWav(WARM_UP_BYTES);
      expect((await sendUpload('PIP-WARM-1', warmUp.stream(), { declaredBytes: WARM_UP_BYTES }).answer).status).toBe(201);

      const before = peakRss();
      const file = generatedWav(ONE_GB);
      const { answer } = sendUpload('PIP-LONG-1', file.stream(), { declaredBytes: ONE_GB });
      const created = await answer;
      expect(created.status).toBe(201);
      // Holding the file would add a gigabyte. The 64 MB goal is the bench's ingest figure, in a portal
      // process of its own: here the client and the S3 server share this process, and on a machine at
      // a load of 9 its peak grew by 111 MB (36 MB in the bench in the same hour).
      expect(peakRss() - before).toBeLessThan(ONE_GB / 4);
      expect(created.body).toMatchObject({ sizeBytes: ONE_GB, sha256: file.sha256() });
      const row = (await portal.recordings.findRecording(created.body.id as string))!;
      expect(Math.round(row.duration_seconds!)).toBe(Math.round((ONE_GB - 44) / 32_000)); // 9 hours 19 minutes
      expect(multipartUploads()).toEqual([]);
    },
    LARGE_TIMEOUT_MS,
  );

  test(
    // The API's test above shows 1 GB; here a quarter of it, still four times the bound, keeps the file write and the suite shorter.
    'a 256 MB WAV through recordings add is stored with its SHA-256 while the process’s peak memory grows by less than 64 MB',
    async () => {
      await start();
      const warmUp = path.join(portal.dataDir, 'warm.wav');
      await pipeline(generatedWav(WARM_UP_BYTES).stream(), createWriteStream(warmUp));
      expect((await portal.cli('recordings', 'add', '--file', warmUp, '--ref', 'PIP-WARM-2', '--nino', CLAIMANT.nino, '--phone', CLAIMANT.phone)).code).toBe(0);

      const file = path.join(portal.dataDir, 'long.wav');
      const generated = generatedWav(ONE_GB / 4);
      await pipeline(generated.stream(), createWriteStream(file));
      const before = peakRss();
      const added = await portal.cli('recordings', 'add', '--file', file, '--ref', 'PIP-LONG-2', '--nino', CLAIMANT.nino, '--phone', CLAIMANT.phone);
      expect(added.code).toBe(0);
      expect(peakRss() - before).toBeLessThan(64 * MiB);
      const row = (await portal.recordings.findRecording(added.json.recordingId as string))!;
      expect(row).toMatchObject({ size_bytes: ONE_GB / 4, sha256: generated.sha256() });
    },
    LARGE_TIMEOUT_MS,
  );

  test('an upload cut off after several parts have been sent leaves no object and no multipart upload behind, and registers nothing', async () => {
    await start();
    const { answer, sending } = sendUpload('PIP-CUT-1', generatedWav(40 * MiB).stream(), { declaredBytes: 40 * MiB, cutAfter: 16 * MiB });
    await expect(answer).rejects.toThrow();
    await sending;
    await eventually(() => multipartUploads().length === 0 && bucketObjects().length === 0);
    expect(bucketObjects()).toEqual([]);
    expect(multipartUploads()).toEqual([]);
    expect(await portal.recordings.findRecordingByRef('PIP-CUT-1')).toBeUndefined();
  });

  test('an over-size upload sent without a length is refused with 413 once it passes the limit, leaving no object and no multipart upload behind', async () => {
    await start({ API_MAX_UPLOAD_MB: '12' });
    const { answer } = sendUpload('PIP-BIG-1', generatedWav(20 * MiB).stream());
    const refused = await answer.catch(() => ({ status: 'connection cut', body: {} }));
    expect(refused.status).toBe(413);
    await eventually(() => multipartUploads().length === 0);
    expect(bucketObjects()).toEqual([]);
    expect(multipartUploads()).toEqual([]);
    expect(await portal.recordings.findRecordingByRef('PIP-BIG-1')).toBeUndefined();
  });

  test('an over-size upload that says its length is refused with 413 before its audio is read', async () => {
    await start({ API_MAX_UPLOAD_MB: '12' });
    const { answer } = sendUpload('PIP-BIG-2', generatedWav(20 * MiB).stream(), { declaredBytes: 20 * MiB });
    expect((await answer).status).toBe(413);
    expect(bucketObjects()).toEqual([]);
    expect(multipartUploads()).toEqual([]);
  });
});
