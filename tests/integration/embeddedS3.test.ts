import '../support/quietSdk';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { startEmbeddedS3, type EmbeddedS3 } from '../../server/objects/embeddedS3';
import { startTestPortal, type TestPortal } from '../support/testPortal';

const BUCKET = 'assessment-recordings';
const KEY = 'recordings/2026/12/kept.mp3';
const AUDIO = Buffer.from('ID3 the claimant recording '.repeat(32));

let dataDir: string;
let s3: EmbeddedS3;
let sdk: S3Client;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'embedded-s3-'));
  s3 = await startEmbeddedS3(dataDir, BUCKET, 0);
  sdk = new S3Client({ endpoint: s3.endpoint, region: 'eu-west-2', forcePathStyle: true, credentials: s3.credentials });
  await sdk.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: AUDIO, ContentType: 'audio/mpeg' }));
});

afterAll(async () => {
  sdk.destroy();
  await s3.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const PLANTED = 'recordings/planted.mp3';
const SECOND = 'recordings/second.mp3';
// (s3rver miscomputes the signature of the current SDK's ListObjectsV2, so each key is looked at instead.)
const exists = (key: string) => sdk.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key })).then(() => true, (error) => (error.$metadata?.httpStatusCode === 404 ? false : Promise.reject(error)));
const bucketKeys = async () => {
  const present = await Promise.all([KEY, PLANTED, SECOND].map(async (key) => ((await exists(key)) ? [key] : [])));
  return present.flat();
};
const storedBytes = async (key: string) => Buffer.from(await (await sdk.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray());

test('it listens on loopback only', () => {
  expect(s3.address().address).toBe('127.0.0.1');
});

test.each([
  ['GET', KEY, undefined],
  ['GET', '', undefined],
  ['PUT', KEY, 'overwritten by a stranger'],
  ['PUT', PLANTED, 'planted by a stranger'],
  ['DELETE', KEY, undefined],
])('an unsigned %s /%s is refused with 403 and changes nothing', async (method, key, body) => {
  const answer = await fetch(`${s3.endpoint}/${BUCKET}/${key}`, { method, body });
  expect(answer.status).toBe(403);
  expect(await answer.text()).toContain('<Code>AccessDenied</Code>');
  expect(await bucketKeys()).toEqual([KEY]);
  expect((await storedBytes(KEY)).equals(AUDIO)).toBe(true);
});

test('a request that only looks presigned (no signature) or is signed with the wrong secret is refused', async () => {
  const lookalike = await fetch(`${s3.endpoint}/${BUCKET}/${KEY}?X-Amz-Algorithm=AWS4-HMAC-SHA256`);
  expect(lookalike.status).toBe(403);
  const impostor = new S3Client({ endpoint: s3.endpoint, region: 'eu-west-2', forcePathStyle: true, credentials: { accessKeyId: s3.credentials.accessKeyId, secretAccessKey: 'guessed' } });
  await expect(impostor.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: KEY }))).rejects.toMatchObject({ $metadata: { httpStatusCode: 403 } });
  impostor.destroy();
  expect(await bucketKeys()).toEqual([KEY]);
});

test('the signed SDK and a presigned URL still work', async () => {
  await sdk.send(new PutObjectCommand({ Bucket: BUCKET, Key: SECOND, Body: AUDIO }));
  const url = await getSignedUrl(sdk, new GetObjectCommand({ Bucket: BUCKET, Key: SECOND }), { expiresIn: 60 });
  const download = await fetch(url);
  expect(download.status).toBe(200);
  expect(Buffer.from(await download.arrayBuffer()).equals(AUDIO)).toBe(true);
  await sdk.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: SECOND }));
  expect(await bucketKeys()).toEqual([KEY]);
});

describe("the embedded server the portal starts accepts only the portal's own key, never s3rver's published default", () => {
  let portal: TestPortal;
  let recordingKey: string;
  const client = (accessKeyId: string, secretAccessKey: string) =>
    new S3Client({ endpoint: portal.deps.objects.origin, region: 'eu-west-2', forcePathStyle: true, credentials: { accessKeyId, secretAccessKey } });
  const REFUSED = { $metadata: { httpStatusCode: 403 } };

  beforeAll(async () => {
    portal = await startTestPortal();
    const { recordingId } = await portal.recordingWithLink();
    recordingKey = `recordings/${recordingId}.wav`;
  });
  afterAll(() => portal.close());

  test('GetObject, PutObject and DeleteObject signed S3RVER/S3RVER are refused with 403, and the recording stays', async () => {
    const stranger = client('S3RVER', 'S3RVER');
    const bucket = portal.config.s3.bucket;
    try {
      for (const command of [
        new GetObjectCommand({ Bucket: bucket, Key: recordingKey }),
        new PutObjectCommand({ Bucket: bucket, Key: recordingKey, Body: 'overwritten' }),
        new PutObjectCommand({ Bucket: bucket, Key: 'recordings/planted.wav', Body: 'planted' }),
        new DeleteObjectCommand({ Bucket: bucket, Key: recordingKey }),
      ]) {
        // eslint-disable-next-line @typescript-eslint/no-explicit-any
        await expect(stranger.send(command as any)).rejects.toMatchObject(REFUSED);
      }
    } finally {
      stranger.destroy();
    }
    expect(await portal.deps.objects.exists(recordingKey)).toBe(true);
    expect(await portal.deps.objects.exists('recordings/planted.wav')).toBe(false);
  });

  test("the portal's own pair (random, from dev-secrets.json) reads the recording; the same key id with a guessed secret does not", async () => {
    const { accessKeyId, secretAccessKey } = portal.config.s3;
    expect(accessKeyId).not.toBe('S3RVER');
    const own = client(accessKeyId, secretAccessKey);
    const guessed = client(accessKeyId, 'S3RVER');
    try {
      const body = await (await own.send(new GetObjectCommand({ Bucket: portal.config.s3.bucket, Key: recordingKey }))).Body!.transformToByteArray();
      expect(Buffer.from(body).subarray(0, 4).toString()).toBe('RIFF');
      await expect(guessed.send(new GetObjectCommand({ Bucket: portal.config.s3.bucket, Key: recordingKey }))).rejects.toMatchObject(REFUSED);
    } finally {
      own.destroy();
      guessed.destroy();
    }
  });
});
