/**
 * The ingest figure of `npm run bench`: a provider's 1 GB WAV through `POST /api/v1/recordings`
 * (streamed to the bucket in multipart parts, hashed and parsed on the way), against the same bytes
 * sent straight to the bucket as a multipart upload, and the portal's memory while it happens.
 */
import http from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { demoAudio, wavHeader } from '../server/demoAudio';
import { bucketCredentials, bucketEndpoint, QUICK, startPortal, type Figure } from './benchHarness';

const SAMPLE_RATE = 16_000;
const PCM_CHUNK = demoAudio(32, SAMPLE_RATE).subarray(44);

/** A WAV of `bytes` bytes, made as it is read: an hour of audio costs no memory to send. */
function wavStream(bytes: number): Readable {
  const samples = Math.floor((bytes - 44) / 2);
  return Readable.from(
    (function* () {
      yield wavHeader(samples, SAMPLE_RATE);
      for (let left = samples * 2; left > 0; left -= PCM_CHUNK.length) yield left >= PCM_CHUNK.length ? PCM_CHUNK : PCM_CHUNK.subarray(0, left);
    })(),
  );
}

/** The multipart form a provider's system sends: the fields, then the file. */
async function uploadThroughApi(port: number, apiKey: string, bytes: number): Promise<number> {
  const boundary = `bench${Date.now()}`;
  const field = (name: string, value: string) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  const head = Buffer.from(
    field('assessmentRef', `BENCH-INGEST-${Date.now()}`) +
      field('nino', 'AB 12 34 56 C') +
      field('mobile', '07700 900123') +
      `--${boundary}\r\nContent-Disposition: form-data; name="audio"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  const wavBytes = 44 + Math.floor((bytes - 44) / 2) * 2;
  const request = http.request({
    host: '127.0.0.1',
    port,
    path: '/api/v1/recordings',
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': head.length + wavBytes + tail.length },
  });
  const answered = new Promise<http.IncomingMessage>((resolve, reject) => request.on('response', resolve).on('error', reject));
  request.write(head);
  await pipeline(wavStream(bytes), request, { end: false });
  request.end(tail);
  const response = await answered;
  response.resume();
  return response.statusCode!;
}

/** The same bytes as a multipart upload straight to the bucket, 5 MB parts, two in flight (as the portal sends them). */
async function uploadToBucket(bytes: number): Promise<void> {
  const client = new S3Client({ endpoint: bucketEndpoint(), region: 'eu-west-2', forcePathStyle: true, credentials: bucketCredentials() });
  try {
    await new Upload({ client, params: { Bucket: 'assessment-recordings', Key: `bench/raw-${Date.now()}.wav`, Body: wavStream(bytes) }, partSize: 5 * 1024 * 1024, queueSize: 2 }).done();
  } finally {
    client.destroy();
  }
}

export async function ingest(): Promise<Figure[]> {
  const bytes = (QUICK ? 256 : 1024) * 1024 * 1024;
  const portal = await startPortal();
  try {
    portal.resetPeakRss();
    const rssBefore = portal.rssMb();
    let started = performance.now();
    const status = await uploadThroughApi(portal.port, portal.info.apiKey, bytes);
    if (status !== 201) throw new Error(`ingest: the API answered ${status}`);
    const apiSeconds = (performance.now() - started) / 1000;
    const growth = portal.peakRssMb() - rssBefore;
    started = performance.now();
    await uploadToBucket(bytes);
    const rawSeconds = (performance.now() - started) / 1000;
    const megabytes = bytes / 1e6;
    return [
      {
        name: `Ingest of a ${Math.round(bytes / 2 ** 20)} MiB WAV through POST /api/v1/recordings`,
        value: megabytes / apiSeconds,
        unit: 'MB/s',
        baseline: megabytes / rawSeconds,
        baselineName: 'the same bytes as a multipart upload straight to the bucket',
        ratio: rawSeconds / apiSeconds,
        goal: '>= 0.80',
        met: rawSeconds / apiSeconds >= 0.8,
      },
      {
        name: 'Growth of the portal\'s peak RSS during that upload',
        value: growth,
        unit: 'MB',
        baseline: 64,
        baselineName: 'the bound',
        ratio: growth / 64,
        goal: '< 64 MB',
        met: growth < 64,
        notes: { rssBeforeMb: rssBefore },
      },
    ];
  } finally {
    await portal.stop();
  }
}
