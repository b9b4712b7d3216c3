import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CompleteMultipartUploadCommand, CreateMultipartUploadCommand, S3Client, UploadPartCommand } from '@aws-sdk/client-s3';
import request from 'supertest';
import { s3Objects } from '../../server/objects/s3Objects';
import { createMetricsApp } from '../../server/observability/metricsApp';
import { incompleteUploadsOf, multipartSweep, startMultipartSweep } from '../../server/services/multipartSweep';
import { startTestPortal, type TestPortal } from '../support/testPortal';
import { HOUR } from '../support/testClock';

/**
 * What a crashed instance (or an abort that failed while the store was down) leaves in the bucket:
 * multipart uploads begun and never completed. The sweep aborts those older than the longest request.
 */

const ABANDONED_AFTER_MS = 2 * HOUR;

function s3ClientOf(portal: TestPortal): S3Client {
  const { s3 } = portal.config;
  return new S3Client({ endpoint: portal.deps.objects.origin, region: s3.region, forcePathStyle: true, credentials: { accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey } });
}

/** Begins a multipart upload and sends one part, as the portal's streamed upload does, and leaves it there. */
async function leftBehind(client: S3Client, bucket: string, key: string): Promise<string> {
  const { UploadId } = await client.send(new CreateMultipartUploadCommand({ Bucket: bucket, Key: key, ContentType: 'audio/wav' }));
  await client.send(new UploadPartCommand({ Bucket: bucket, Key: key, UploadId, PartNumber: 1, Body: Buffer.alloc(1024, 7) }));
  return UploadId!;
}

const metricLine = async (portal: TestPortal, pattern: RegExp) => pattern.exec((await request(createMetricsApp(portal.deps.metrics)).get('/metrics')).text)?.[1];

describe('the multipart sweep on the embedded store', () => {
  let portal: TestPortal;
  let client: S3Client;

  beforeEach(async () => {
    portal = await startTestPortal({ MULTIPART_ABANDONED_AFTER: '2h' });
    client = s3ClientOf(portal);
  });
  afterEach(async () => {
    client.destroy();
    await portal.close();
  });

  test('aborts uploads begun MULTIPART_ABANDONED_AFTER ago (at that instant, not 1 ms before) and keeps younger ones and keys not the portal\'s', async () => {
    const { bucket } = portal.config.s3;
    const uploads = incompleteUploadsOf(portal.deps);
    const oldId = await leftBehind(client, bucket, 'recordings/crashed.wav');
    const [old] = (await uploads.list('recordings/'))!;
    const youngId = await leftBehind(client, bucket, 'recordings/in-flight.wav');
    await leftBehind(client, bucket, 'elsewhere/not-ours.wav');
    const young = (await uploads.list('recordings/'))!.find((upload) => upload.uploadId === youngId)!;
    expect(old.uploadId).toBe(oldId);
    expect(young.initiated.getTime()).toBeGreaterThan(old.initiated.getTime());

    portal.clock.set(new Date(old.initiated.getTime() + ABANDONED_AFTER_MS - 1));
    expect(await multipartSweep(portal.deps)).toEqual({ ran: true, listed: true, abandoned: 0, aborted: 0, recent: 2 });

    portal.clock.set(new Date(old.initiated.getTime() + ABANDONED_AFTER_MS));
    expect(await multipartSweep(portal.deps)).toEqual({ ran: true, listed: true, abandoned: 1, aborted: 1, recent: 1 });
    expect((await uploads.list('recordings/'))!.map((upload) => upload.key)).toEqual(['recordings/in-flight.wav']);
    expect((await uploads.list('elsewhere/'))!.map((upload) => upload.key)).toEqual(['elsewhere/not-ours.wav']);
    // Its parts are gone: the upload can no longer be completed.
    await expect(
      client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'recordings/crashed.wav', UploadId: oldId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: 'x' }] } })),
    ).rejects.toThrow();
    expect(await metricLine(portal, /^portal_multipart_uploads_aborted_total (\d+)$/m)).toBe('1');
    expect(await metricLine(portal, /^portal_incomplete_multipart_uploads\{age="recent"\} (\d+)$/m)).toBe('1');
    expect(await metricLine(portal, /^portal_incomplete_multipart_uploads\{age="abandoned"\} (\d+)$/m)).toBe('0');

    // The one still in use is kept as long as it may be: it goes once it is as old.
    portal.clock.set(new Date(young.initiated.getTime() + ABANDONED_AFTER_MS));
    expect((await multipartSweep(portal.deps)).aborted).toBe(1);
    expect(await uploads.list('recordings/')).toEqual([]);
  });

  test('an upload the portal completed is not there to sweep; the object stays', async () => {
    const { bucket } = portal.config.s3;
    const uploadId = await leftBehind(client, bucket, 'recordings/finished.wav');
    const { ETag } = await client.send(new UploadPartCommand({ Bucket: bucket, Key: 'recordings/finished.wav', UploadId: uploadId, PartNumber: 2, Body: Buffer.alloc(10, 1) }));
    await client.send(new CompleteMultipartUploadCommand({ Bucket: bucket, Key: 'recordings/finished.wav', UploadId: uploadId, MultipartUpload: { Parts: [{ PartNumber: 2, ETag }] } }));
    portal.clock.set(new Date(Date.now() + 10 * ABANDONED_AFTER_MS));
    expect(await multipartSweep(portal.deps)).toEqual({ ran: true, listed: true, abandoned: 0, aborted: 0, recent: 0 });
    expect(await portal.deps.objects.exists('recordings/finished.wav')).toBe(true);
  });

  test('runs as a background job from the start, and stops when the instance drains', async () => {
    const sweeps = () => portal.logLines.filter((line) => JSON.parse(line).msg === 'multipart sweep').length;
    const job = startMultipartSweep(portal.deps);
    await job.settled();
    expect(sweeps()).toBe(1);
    portal.deps.lifecycle.drain();
    job.kick();
    await job.settled();
    expect(sweeps()).toBe(1);
  });

  test('runs under its lease: of two sweeps at once, on two instances, one runs', async () => {
    const other = await portal.anotherInstance();
    try {
      await leftBehind(client, portal.config.s3.bucket, 'listening/crashed.mp3');
      portal.clock.set(new Date(Date.now() + 10 * ABANDONED_AFTER_MS));
      const [here, there] = await Promise.all([multipartSweep(portal.deps), multipartSweep(other.deps)]);
      expect([here.ran, there.ran].sort()).toEqual([false, true]);
      expect(here.aborted + there.aborted).toBe(1);
      // The lease is given back when the sweep ends: the next one runs.
      expect((await multipartSweep(other.deps)).ran).toBe(true);
    } finally {
      await other.close();
    }
  });
});

/**
 * An S3 endpoint speaking only ListMultipartUploads (one upload a page) and AbortMultipartUpload, over
 * a list the test holds; or answering 501 to both, as a store without them does. The embedded s3rver
 * has neither (and miscomputes signatures of bucket-level requests), so the API path is shown here.
 */
async function multipartOnlyS3(uploads: Array<{ key: string; uploadId: string; initiated: Date }>, implemented = true) {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://s3');
    if (!implemented) {
      res.writeHead(501, { 'content-type': 'application/xml' }).end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>NotImplemented</Code><Message>not implemented</Message></Error>');
      return;
    }
    if (req.method === 'DELETE' && url.searchParams.has('uploadId')) {
      const key = decodeURIComponent(url.pathname.split('/').slice(2).join('/'));
      const at = uploads.findIndex((upload) => upload.key === key && upload.uploadId === url.searchParams.get('uploadId'));
      if (at >= 0) uploads.splice(at, 1);
      res.writeHead(at >= 0 ? 204 : 404).end();
      return;
    }
    const prefix = url.searchParams.get('prefix') ?? '';
    const after = url.searchParams.get('upload-id-marker');
    const matching = uploads.filter((upload) => upload.key.startsWith(prefix));
    const from = after ? matching.findIndex((upload) => upload.uploadId === after) + 1 : 0;
    const page = matching.slice(from, from + 1);
    const truncated = from + 1 < matching.length;
    const next = truncated ? `<NextKeyMarker>${page[0].key}</NextKeyMarker><NextUploadIdMarker>${page[0].uploadId}</NextUploadIdMarker>` : '';
    const items = page.map((upload) => `<Upload><Key>${upload.key}</Key><UploadId>${upload.uploadId}</UploadId><Initiated>${upload.initiated.toISOString()}</Initiated></Upload>`).join('');
    res
      .writeHead(200, { 'content-type': 'application/xml' })
      .end(`<?xml version="1.0" encoding="UTF-8"?><ListMultipartUploadsResult><Bucket>b</Bucket><MaxUploads>1</MaxUploads><IsTruncated>${truncated}</IsTruncated>${next}${items}</ListMultipartUploadsResult>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe('the multipart sweep through the S3 API', () => {
  let portal: TestPortal;
  beforeEach(async () => {
    portal = await startTestPortal();
  });
  afterEach(() => portal.close());

  const sweepOver = (endpoint: string) => {
    const objects = s3Objects({ ...portal.config.s3, endpoint, forcePathStyle: true });
    return multipartSweep(portal.deps, objects.incompleteUploads).finally(() => objects.close());
  };

  test('reads every page of ListMultipartUploads and aborts the abandoned uploads with AbortMultipartUpload', async () => {
    const now = portal.clock();
    const ago = (ms: number) => new Date(now.getTime() - ms);
    const uploads = [
      { key: 'recordings/a.wav', uploadId: 'u1', initiated: ago(3 * HOUR) },
      { key: 'recordings/b.wav', uploadId: 'u2', initiated: ago(HOUR) },
      { key: 'recordings/c.wav', uploadId: 'u3', initiated: ago(ABANDONED_AFTER_MS) },
      { key: 'transcripts/r/t.vtt', uploadId: 'u4', initiated: ago(30 * HOUR) },
      { key: 'other/x', uploadId: 'u5', initiated: ago(30 * HOUR) },
    ];
    const s3 = await multipartOnlyS3(uploads);
    try {
      expect(await sweepOver(s3.endpoint)).toEqual({ ran: true, listed: true, abandoned: 3, aborted: 3, recent: 1 });
      expect(uploads.map((upload) => upload.uploadId)).toEqual(['u2', 'u5']);
    } finally {
      await s3.close();
    }
  });

  test("a store without ListMultipartUploads: the sweep says so and leaves it to the bucket's lifecycle rule", async () => {
    const s3 = await multipartOnlyS3([], false);
    try {
      expect(await sweepOver(s3.endpoint)).toEqual({ ran: true, listed: false, abandoned: 0, aborted: 0, recent: 0 });
      expect(portal.logLines.some((line) => line.includes('cannot list incomplete uploads'))).toBe(true);
    } finally {
      await s3.close();
    }
  });
});
