import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { wavHeader } from '../../server/demoAudio';
import { demoAudio } from '../support/demoAudio';
import { startEmbeddedS3, type EmbeddedS3 } from '../../server/objects/embeddedS3';
import { startTcpProxy } from '../support/tcpProxy';
import { CLAIMANT, sha256, startTestPortal, type TestPortal } from '../support/testPortal';
import { uploadFraming } from '../support/uploadFraming';

/**
 * A provider's upload over a real socket, fed by hand: one that stalls or trickles, one in flight
 * when the instance drains, one sent while the bucket is unreachable or becomes so mid-file.
 */

jest.setTimeout(90_000);

const MiB = 1024 * 1024;
const BOUNDARY = 'upload-edges-boundary';

/**
 * 440 Hz at 16 kHz repeats every 400 samples (11 cycles): 82 of those, 64 KB, computed once and laid
 * end to end. Computing every sample of 12 MB costs Jest 3.6 s of CPU (each Math lookup goes through
 * the test context's global object).
 */
const TONE = Buffer.alloc(400 * 82 * 2);
for (let n = 0; n < TONE.length / 2; n++) TONE.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * n) / 16_000) * 2000), n * 2);

/** A 16 kHz 16-bit mono WAV of `totalBytes` (a quiet tone), whole in memory: a few MB at most here. */
function wav(totalBytes: number): Buffer {
  const bytes = Buffer.alloc(totalBytes);
  wavHeader((totalBytes - 44) / 2, 16_000).copy(bytes);
  for (let at = 44; at < totalBytes; at += TONE.length) TONE.copy(bytes, at, 0, Math.min(TONE.length, totalBytes - at));
  return bytes;
}

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/**
 * An upload on its own connection, its length declared for `audioBytes` of audio: the fields and the
 * audio part's head go at once; the audio then goes as the test writes it.
 */
function openUpload(port: number, apiKey: string, assessmentRef: string, audioBytes: number, headers: Record<string, string> = {}) {
  const fields = { assessmentRef, nino: CLAIMANT.nino, mobile: CLAIMANT.phone };
  const { preamble, epilogue } = uploadFraming(BOUNDARY, fields);
  const sent = http.request({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/api/v1/recordings',
    agent: false,
    headers: {
      authorization: `Bearer ${apiKey}`,
      'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
      'content-length': preamble.length + audioBytes + epilogue.length,
      ...headers,
    },
  });
  let answered = false;
  const answer = new Promise<Answer>((resolve, reject) => {
    sent.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        answered = true;
        resolve({ status: response.statusCode!, headers: response.headers, body: JSON.parse(Buffer.concat(chunks).toString() || '{}') });
      });
    });
    sent.on('error', reject);
  });
  const write = (bytes: Buffer) => new Promise<void>((resolve) => sent.write(bytes, () => resolve()));
  void write(preamble);
  return {
    answer,
    answered: () => answered,
    write,
    /** The rest of the audio, then the end of the form; the answer. */
    finish: (rest: Buffer) => {
      sent.write(rest);
      sent.end(epilogue);
      return answer;
    },
    destroy: () => sent.destroy(),
  };
}

type OpenUpload = ReturnType<typeof openUpload>;

async function eventuallyAsync(check: () => Promise<boolean>, timeoutMs = 20_000) {
  for (const deadline = Date.now() + timeoutMs; !(await check()); ) {
    if (Date.now() > deadline) throw new Error('the state awaited never came');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Polls a state the portal reaches on its own (a part stored, a connection refused): no fixed sleep. */
async function eventually(check: () => boolean, timeoutMs = 20_000) {
  for (const deadline = Date.now() + timeoutMs; !check(); ) {
    if (Date.now() > deadline) throw new Error('the state awaited never came');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** What an S3-compatible server under `root` holds: objects, and multipart uploads neither completed nor aborted (with their stored parts). */
function bucketState(root: string) {
  const files = () => {
    try {
      return readdirSync(root, { recursive: true, encoding: 'utf8' });
    } catch {
      return [];
    }
  };
  return {
    objects: () => files().filter((file) => file.endsWith('._S3rver_object')),
    // s3rver has no ListMultipartUploads: its directory for them, one per upload, a `<n>.md5` per part stored.
    multipartUploads: () => files().filter((file) => /^\._S3rver_uploads\/[^/]+$/.test(file)),
    storedParts: () => files().filter((file) => /^\._S3rver_uploads\/[^/]+\/\d+\.md5$/.test(file)).length,
  };
}

function expectProblem(answer: Answer, status: number, type: string) {
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(answer.body.type).toMatch(new RegExp(`/problems/${type}$`));
  expect(answer.headers.connection).toBe('close');
}

let portal: TestPortal;
let server: http.Server;
async function start(overrides: Record<string, string>) {
  portal = await startTestPortal(overrides);
  server = http.createServer(portal.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
}
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await portal.close();
});
const port = () => (server.address() as net.AddressInfo).port;
const idempotencyKeys = async () =>
  (await portal.db.withTables<{ idempotency_keys: { key: string } }>().selectFrom('idempotency_keys').select('key').execute()).map((row) => row.key);
const addProvider = async (name: string) => (await portal.cli('providers', 'add', '--name', name)).json.apiKey as string;
const embeddedBucket = () => bucketState(path.join(portal.dataDir, 's3', portal.config.s3.bucket));
const smallUpload = (apiKey: string, assessmentRef: string, key?: string) => {
  const call = request(server).post('/api/v1/recordings').set('Authorization', `Bearer ${apiKey}`);
  if (key) call.set('Idempotency-Key', key);
  return call
    .field({ assessmentRef, nino: CLAIMANT.nino, mobile: CLAIMANT.phone })
    .attach('audio', demoAudio(2), { filename: 'a.wav', contentType: 'audio/wav' });
};

describe('an upload that stalls or trickles', () => {
  test('loses its slot with 408 and leaves no multipart upload, so a third provider is taken once the two holding the room are dropped', async () => {
    // 8 s, not less: at a load of 20 the four claims took longer than 4 s, and the first dropped was given back before the last was made.
    await start({ UPLOAD_IDLE_TIMEOUT: '8s', UPLOAD_MIN_RATE_KB: '1' });
    const [first, second, third] = [await addProvider('Stall One Ltd'), await addProvider('Stall Two Ltd'), await addProvider('Third Ltd')];
    const audio = wav(12 * MiB);
    const held: OpenUpload[] = [
      // Six MB of the file, so a part is in the bucket, then nothing.
      openUpload(port(), first, 'PIP-STALL-1', audio.length, { 'Idempotency-Key': 'stall-1' }),
      // Headers, fields and the first KB of the file, then nothing.
      openUpload(port(), first, 'PIP-STALL-2', audio.length, { 'Idempotency-Key': 'stall-2' }),
      openUpload(port(), second, 'PIP-STALL-3', audio.length, { 'Idempotency-Key': 'stall-3' }),
      // A byte every 100 ms: never idle, far below 1 KB/s.
      openUpload(port(), second, 'PIP-STALL-4', audio.length, { 'Idempotency-Key': 'stall-4' }),
    ];
    await held[0].write(audio.subarray(0, 6 * MiB));
    await Promise.all(held.slice(1).map((upload) => upload.write(audio.subarray(0, 1024))));
    const trickle = setInterval(() => void held[3].write(Buffer.from([0])), 100);
    try {
      await eventually(() => embeddedBucket().storedParts() >= 1);
      // Each has its key claimed once its fields are in and its audio has begun: all four hold their slots.
      await eventuallyAsync(async () => (await idempotencyKeys()).length === 4);
      const busy = await smallUpload(third, 'PIP-THIRD-1');
      expect(busy.status).toBe(503);
      expect(busy.body.type).toMatch(/\/problems\/uploads-busy$/);
      expect(held.filter((upload) => upload.answered())).toEqual([]);

      const dropped = await Promise.all(held.map((upload) => upload.answer));
      for (const answer of dropped) expectProblem(answer, 408, 'upload-stalled');
      // The trickle is never idle: the rate drops it. (The others' first window, with their fields and a KB, is under the rate too.)
      expect(dropped[3].body.detail).toBe('the upload arrived at under 1 KB/s for 8 s');
    } finally {
      clearInterval(trickle);
      held.forEach((upload) => upload.destroy());
    }
    expect(embeddedBucket().multipartUploads()).toEqual([]);
    expect(embeddedBucket().objects()).toEqual([]);

    expect((await smallUpload(third, 'PIP-THIRD-1')).status).toBe(201);
    // The stalled upload's Idempotency-Key was given back: the request is taken, not "in progress".
    const again = await smallUpload(first, 'PIP-STALL-1', 'stall-1');
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    for (const ref of ['PIP-STALL-2', 'PIP-STALL-3', 'PIP-STALL-4']) expect(await portal.recordings.findRecordingByRef(ref)).toBeUndefined();
  }, 90_000);
});

describe('uploads when the instance drains', () => {
  test('a new one gets 503 shutting-down at once, unread and its key unused; one in flight finishes; one still arriving at the deadline is aborted with 503', async () => {
    // SHUTDOWN_TIMEOUT 8 s: uploads in flight have until 3 s into the drain (5 s before it) to arrive.
    await start({ SHUTDOWN_TIMEOUT: '8s' });
    const apiKey = await addProvider('Drain Ltd');
    const large = wav(12 * MiB);
    const slow = openUpload(port(), apiKey, 'PIP-DRAIN-1', large.length);
    await slow.write(large.subarray(0, 6 * MiB));
    await eventually(() => embeddedBucket().storedParts() >= 1);
    const small = wav(64 * 1024);
    const quick = openUpload(port(), apiKey, 'PIP-DRAIN-2', small.length, { 'Idempotency-Key': 'drain-2' });
    await quick.write(small.subarray(0, 1024));
    // Its key is claimed once its fields are in and its audio has begun: it is in flight.
    await eventuallyAsync(async () => (await idempotencyKeys()).includes('drain-2'));

        portal.deps.lifecycle.drain();
    // 200 MB declared, its fields and nothing more sent: the answer does not wait for the rest.
    const late = openUpload(port(), apiKey, 'PIP-DRAIN-3', 200 * MiB, { 'Idempotency-Key': 'drain-3' });
    const refused = await late.answer;
    expectProblem(refused, 503, 'shutting-down');
    expect(refused.headers['retry-after']).toBe('5');
    late.destroy();

    const finished = await quick.finish(small.subarray(1024));
    expect(finished.status).toBe(201);
    expect(finished.body.sha256).toBe(sha256(small));

    const aborted = await slow.answer;
    expectProblem(aborted, 503, 'shutting-down');
    expect(aborted.headers['retry-after']).toBe('5');
    slow.destroy();
    expect(embeddedBucket().multipartUploads()).toEqual([]);
    expect(embeddedBucket().objects()).toHaveLength(1); // the one that finished
    expect(await portal.recordings.findRecordingByRef('PIP-DRAIN-1')).toBeUndefined();

    // The refused request, sent again with its Idempotency-Key to an instance that is not draining, is taken afresh.
    const other = await portal.anotherInstance();
    try {
      const retried = await request(other.app)
        .post('/api/v1/recordings')
        .set('Authorization', `Bearer ${apiKey}`)
        .set('Idempotency-Key', 'drain-3')
        .field({ assessmentRef: 'PIP-DRAIN-3', nino: CLAIMANT.nino, mobile: CLAIMANT.phone })
        .attach('audio', demoAudio(2), { filename: 'a.wav', contentType: 'audio/wav' });
      expect(retried.status).toBe(201);
      expect(retried.headers['idempotent-replayed']).toBeUndefined();
    } finally {
      await other.close();
    }
  });
});

describe('uploads while the object store is unreachable', () => {
  let s3Dir: string;
  let s3: EmbeddedS3;
  let proxy: Awaited<ReturnType<typeof startTcpProxy>>;
  let apiKey: string;
  const BUCKET = 'assessment-recordings';
  const bucket = () => bucketState(path.join(s3Dir, 's3', BUCKET));
  beforeEach(async () => {
    s3Dir = mkdtempSync(path.join(tmpdir(), 'upload-edges-s3-'));
    s3 = await startEmbeddedS3(s3Dir, BUCKET, 0);
    proxy = await startTcpProxy('127.0.0.1', s3.address().port);
    await start({ S3_ENDPOINT: `http://127.0.0.1:${proxy.port()}`, S3_BUCKET: BUCKET, S3_ACCESS_KEY_ID: s3.credentials.accessKeyId, S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey });
    apiKey = await addProvider('Outage Ltd');
  });
  afterEach(async () => {
    await proxy.close();
    await s3.close();
    rmSync(s3Dir, { recursive: true, force: true });
  });

  test('an upload begun while it is down gets 503 object-store-unavailable before its body is sent, and the same upload is taken once it is back', async () => {
    proxy.refuse();
    // 200 MB declared; the fields and the first KB of audio sent.
    const down = openUpload(port(), apiKey, 'PIP-DOWN-1', 200 * MiB, { 'Idempotency-Key': 'down-1' });
    await down.write(wav(1024));
    const answer = await down.answer;
    expectProblem(answer, 503, 'object-store-unavailable');
    expect(answer.headers['retry-after']).toBe('30');
    down.destroy();
    expect(await portal.recordings.findRecordingByRef('PIP-DOWN-1')).toBeUndefined();

    proxy.pass();
    const back = await smallUpload(apiKey, 'PIP-DOWN-1', 'down-1');
    expect(back.status).toBe(201);
    expect(back.headers['idempotent-replayed']).toBeUndefined();
  });

  test('an outage of a few seconds mid-upload is survived: the part that failed is sent again and the recording is stored whole', async () => {
    const audio = wav(12 * MiB);
    const upload = openUpload(port(), apiKey, 'PIP-BLIP-1', audio.length);
    await upload.write(audio.subarray(0, 6 * MiB));
    await eventually(() => bucket().storedParts() >= 1);
    proxy.refuse();
    await upload.write(audio.subarray(6 * MiB, 11 * MiB)); // fills the second part, which the store now refuses
    // Both of the SDK's attempts at it refused: only the upload's own retries can save it now.
    await eventually(() => proxy.refused() >= 2);
    proxy.pass();
    const answer = await upload.finish(audio.subarray(11 * MiB));
    expect(answer.status).toBe(201);
    expect(answer.body).toMatchObject({ sizeBytes: audio.length, sha256: sha256(audio) });
    expect(bucket().multipartUploads()).toEqual([]);
    expect(bucket().objects()).toHaveLength(1);
  });

  test('an outage mid-upload that outlasts the retries is answered with 503 at once, without the rest of the body', async () => {
    const audio = wav(12 * MiB);
    // 40 MB declared: the 28 MB after these 12 are never sent.
    const upload = openUpload(port(), apiKey, 'PIP-OUTAGE-1', 40 * MiB);
    await upload.write(audio.subarray(0, 6 * MiB));
    await eventually(() => bucket().storedParts() >= 1);
    proxy.refuse();
    await upload.write(audio.subarray(6 * MiB));
    const answer = await upload.answer;
    expectProblem(answer, 503, 'object-store-unavailable');
    expect(answer.headers['retry-after']).toBe('30');
    upload.destroy();
    expect(await portal.recordings.findRecordingByRef('PIP-OUTAGE-1')).toBeUndefined();
  });
});
