import diagnosticsChannel from 'node:diagnostics_channel';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { startEmbeddedS3, type EmbeddedS3 } from '../../server/objects/embeddedS3';
import { ObjectStoreUnavailable, PART_BYTES, s3Objects, type ObjectStorage, type S3Settings } from '../../server/objects/s3Objects';
import { sha256Hex } from '../../server/sha256Hex';
import { descriptorsOn } from '../support/openDescriptors';

/**
 * The adapter signs download URLs and checks objects without the SDK's per-call machinery (see
 * objectRequests.ts). These tests hold it to what the SDK itself would do, and to what a real
 * S3-compatible server accepts.
 */

const BUCKET = 'assessment-recordings';
const AT = new Date('2026-11-23T10:00:00Z');
const KEYS = ['recordings/2026/11/7f3c9a.m4a', "odd keys/a b+c!'()*~ü.mp3"];

const awsSettings = (overrides: Partial<S3Settings>): S3Settings => ({
  endpoint: undefined,
  region: 'eu-west-2',
  bucket: BUCKET,
  accessKeyId: 'AKIAEXAMPLE',
  secretAccessKey: 'example-secret',
  forcePathStyle: false,
  versioned: false,
  serverSideEncryption: undefined,
  stalledAfterMs: 20_000,
  headTimeoutMs: 3_000,
  ...overrides,
});

describe.each([
  ['AWS, virtual-hosted', awsSettings({})],
  ['AWS, path-style', awsSettings({ forcePathStyle: true })],
  ['an S3-compatible endpoint', awsSettings({ endpoint: 'http://127.0.0.1:9000', forcePathStyle: true })],
])('a download URL for %s', (_where, settings) => {
  test.each(KEYS)('is the URL the AWS SDK signs for the same GetObject (key %s)', async (key) => {
    const objects = s3Objects(settings);
    const sdk = new S3Client({
      endpoint: settings.endpoint,
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    });
    const ours = await objects.presignGet({ key, contentType: 'audio/mp4', disposition: 'attachment', fileName: 'assessment-recording-2026-11-02.m4a', ttlSeconds: 300, now: AT });
    const theirs = await getSignedUrl(
      sdk,
      new GetObjectCommand({
        Bucket: BUCKET,
        Key: key,
        ResponseCacheControl: 'private, no-store',
        ResponseContentDisposition: 'attachment; filename="assessment-recording-2026-11-02.m4a"',
        ResponseContentType: 'audio/mp4',
      }),
      { expiresIn: 300, signingDate: AT },
    );
    objects.close();
    sdk.destroy();
    expect(ours).toBe(theirs);
  });
});

describe('against a real S3-compatible server', () => {
  let dataDir: string;
  let s3: EmbeddedS3;
  let objects: ObjectStorage;
  const audio = Buffer.from('ID3 pretend audio bytes '.repeat(64));

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'object-storage-'));
    s3 = await startEmbeddedS3(dataDir, BUCKET, 0);
    objects = s3Objects(awsSettings({ endpoint: s3.endpoint, forcePathStyle: true, ...s3.credentials }));
    for (const key of KEYS) await objects.put(key, audio, 'audio/mpeg', sha256Hex(audio));
  });

  afterAll(async () => {
    objects.close();
    await s3.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test.each(KEYS)('a presigned URL downloads the bytes as a named attachment (key %s)', async (key) => {
    const url = await objects.presignGet({ key, contentType: 'audio/mpeg', disposition: 'attachment', fileName: 'recording.mp3', ttlSeconds: 60, now: new Date() });
    const answer = await fetch(url);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-disposition')).toBe('attachment; filename="recording.mp3"');
    expect(answer.headers.get('cache-control')).toBe('private, no-store');
    expect(Buffer.from(await answer.arrayBuffer()).equals(audio)).toBe(true);
  });

  test.each(KEYS)('a range reads back byte for byte, as does the whole object, and a missing object reads as nothing (key %s)', async (key) => {
    const read = async (start: number, end: number) => {
      const body = await objects.readBytes(key, start, end);
      return body && Buffer.concat(await body.toArray());
    };
    expect((await read(10, 99))?.equals(audio.subarray(10, 100))).toBe(true);
    expect((await read(0, audio.length - 1))?.equals(audio)).toBe(true);
    expect(await objects.readBytes('recordings/never-stored.m4a', 0, 9)).toBeUndefined();
  });

  test('an expired URL is refused by the server', async () => {
    const url = await objects.presignGet({ key: KEYS[0], contentType: 'audio/mpeg', disposition: 'attachment', fileName: 'recording.mp3', ttlSeconds: 60, now: new Date(Date.now() - 61_000) });
    expect((await fetch(url)).status).toBe(403);
  });

  test('a stored object exists, a missing one does not, and 100 checks at once all answer', async () => {
    expect(await objects.exists(KEYS[1])).toBe(true);
    expect(await objects.exists('recordings/never-stored.m4a')).toBe(false);
    // Twice the SDK's default pool, each on a connection of its own. The S3 server here shares this
    // process's one thread: at a load of 9, 200 at once kept some past the HEAD's 3 s deadline.
    const answers = await Promise.all(Array.from({ length: 100 }, (_, i) => objects.exists(KEYS[i % 2])));
    expect(answers.every(Boolean)).toBe(true);
  });

  test('more reads than the SDK pools by default (50) are held open at once, as slow players hold theirs', async () => {
    // Bodies left unread keep their connections, as a phone reading at 64 kbit/s does for minutes.
    const held = await Promise.all(Array.from({ length: 120 }, () => objects.readBytes(KEYS[0], 0, 99)));
    expect(held.every((body) => body !== undefined)).toBe(true);
    const chunks: Buffer[] = [];
    for await (const chunk of held[119]!) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).equals(audio.subarray(0, 100))).toBe(true);
    for (const body of held) body!.destroy();
  });

  /** Every operation that talks to the store, at once: each must fail as "unavailable". */
  /** `refused`: the store refused this object itself (AccessDenied), rather than failing for every object. */
  async function expectEveryOperationUnavailable(store: ObjectStorage, refused: boolean) {
    // A listening copy is put from a file on disk, which must not stay open when the put fails.
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'put-file-')), 'copy.m4a');
    writeFileSync(file, Buffer.alloc(PART_BYTES + 1));
    const outcomes = await Promise.allSettled([
      store.putFile('listening/new.m4a', file, 'audio/mp4', '0'.repeat(64)),
      store.exists(KEYS[0]),
      store.readBytes(KEYS[0], 0, 9),
      store.ping(),
      store.put('recordings/new.mp3', audio, 'audio/mpeg', sha256Hex(audio)),
      store.deleteEverywhere(KEYS[0]),
      // Longer than one part: sent as a multipart upload while the body is still being read.
      store.putStreamed('recordings/new-long.mp3', Readable.from([Buffer.alloc(PART_BYTES + 1)]), 'audio/mpeg', async () => ({ sha256Hex: '0'.repeat(64) })),
    ]);
    for (const outcome of outcomes) {
      expect(outcome).toMatchObject({ status: 'rejected', reason: expect.any(ObjectStoreUnavailable) });
      expect((outcome as PromiseRejectedResult).reason.refused).toBe(refused);
    }
    expect(descriptorsOn(file)).toBe(0);
    rmSync(path.dirname(file), { recursive: true, force: true });
  }

  test('wrong credentials are not mistaken for a missing object: every operation finds the store unavailable, and nothing is deleted', async () => {
    const impostor = s3Objects(awsSettings({ endpoint: s3.endpoint, forcePathStyle: true, accessKeyId: s3.credentials.accessKeyId, secretAccessKey: 'not-the-secret' }));
    await expectEveryOperationUnavailable(impostor, false);
    impostor.close();
    expect(await objects.exists(KEYS[0])).toBe(true);
    expect(await objects.exists('recordings/new.mp3')).toBe(false);
  });

  test('a server that refuses connections is unavailable at once, for every operation', async () => {
    const unreachable = s3Objects(awsSettings({ endpoint: 'http://127.0.0.1:9', forcePathStyle: true }));
    await expectEveryOperationUnavailable(unreachable, false);
    unreachable.close();
  });

  test('a server that accepts but never answers is unavailable after the timeouts, not a hang', async () => {
    const held: Socket[] = [];
    const silent = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const stuck = s3Objects(awsSettings({ endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true, stalledAfterMs: 1_000 }));
    const started = Date.now();
    // The claimant's HEAD has its own 3-second limit; uploads and deletions give up after S3_TIMEOUT of
    // silence, each tried twice.
    await expectEveryOperationUnavailable(stuck, false);
    expect(Date.now() - started).toBeLessThan(6_000);
    stuck.close();
    held.forEach((socket) => socket.destroy());
    await new Promise((resolve) => silent.close(resolve));
  }, 10_000);

  test('the download button\'s HEAD gives up at S3_HEAD_TIMEOUT, not at S3_TIMEOUT of silence', async () => {
    const held: Socket[] = [];
    const silent = createServer((socket) => held.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const stuck = s3Objects(awsSettings({ endpoint: `http://127.0.0.1:${port}`, forcePathStyle: true, stalledAfterMs: 60_000, headTimeoutMs: 1_000 }));
    // Timers fire in the order of their deadlines, so the HEAD's 1 s comes first however loaded the
    // machine; a HEAD held to the old fixed 3 s or to S3_TIMEOUT's 60 s would lose to the 2.5 s one.
    let guard: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      stuck.exists(KEYS[0]).then(() => 'answered', (error: unknown) => (error instanceof ObjectStoreUnavailable ? 'unavailable' : String(error))),
      new Promise<string>((resolve) => (guard = setTimeout(() => resolve('still waiting'), 2_500))),
    ]);
    clearTimeout(guard);
    stuck.close();
    held.forEach((socket) => socket.destroy());
    await new Promise((resolve) => silent.close(resolve));
    expect(outcome).toBe('unavailable');
  });

  // Both requests a claimant's visit makes of the bucket: the download button's HEAD, and the reads of the bytes.
  const askedOf = {
    exists: async (store: ObjectStorage) => store.exists(KEYS[0]),
    readBytes: async (store: ObjectStorage) => (await store.readBytes(KEYS[0], 0, 9))?.resume() !== undefined,
  };

  test.each(Object.keys(askedOf) as Array<keyof typeof askedOf>)('a kept-alive connection the server reset is retried once on a new one, so the claimant is not told the store is down (%s)', async (operation) => {
    // A bare HTTP server that answers every request with an empty 200 and keeps connections open, but resets its first
    // connection when a second request arrives on it (as a server or balancer closing idle ones does).
    let connections = 0;
    let resets = 0;
    const resetting = createServer((socket) => {
      const connection = ++connections;
      let requests = 0;
      socket.on('data', (chunk) => {
        for (let i = chunk.indexOf('\r\n\r\n'); i !== -1; i = chunk.indexOf('\r\n\r\n', i + 4)) {
          if (connection === 1 && ++requests === 2) {
            resets++;
            socket.resetAndDestroy();
            return;
          }
          socket.write('HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: keep-alive\r\n\r\n');
        }
      });
    });
    await new Promise<void>((resolve) => resetting.listen(0, '127.0.0.1', resolve));
    // The client's first connection, watched from its creation: Node's agent emits 'free' on it once it is back in the pool.
    const freed: Array<Promise<unknown>> = [];
    const watchSocket = (message: unknown) => void freed.push(once((message as { socket: Socket }).socket, 'free'));
    diagnosticsChannel.subscribe('net.client.socket', watchSocket);
    const flaky = s3Objects(awsSettings({ endpoint: `http://127.0.0.1:${(resetting.address() as { port: number }).port}`, forcePathStyle: true }));
    try {
      expect(await askedOf[operation](flaky)).toBe(true);
    } finally {
      diagnosticsChannel.unsubscribe('net.client.socket', watchSocket);
    }
    expect(freed).toHaveLength(1);
    await freed[0];
    expect(await askedOf[operation](flaky)).toBe(true);
    expect(resets).toBe(1);
    expect(connections).toBe(2);
    flaky.close();
    await new Promise((resolve) => resetting.close(resolve));
  });
});
