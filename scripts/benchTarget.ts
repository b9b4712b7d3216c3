/**
 * A server for `npm run bench` to load, each in a process of its own so that the load generator does
 * not share its event loop, run from the compiled build (`dist/`) as the container runs the portal:
 *
 *   hello   bare Express answering "hello": the baseline. It loads nothing else.
 *   s3      the embedded S3-compatible server alone, standing in for the bucket a deployment talks to
 *           (it runs apart from the portal there, and here, so the portal's figures are the portal's).
 *   pipe    a plain Node server that answers every request by GETting the same Range of one object from
 *           the bucket (BENCH_PIPE_URL, presigned) and piping the answer to the client: the least a
 *           server passing the bucket's bytes on can do, the baseline of the portal's CPU per MB.
 *   argon2  argon2id verifies with the portal's parameters on the libuv pool, as the portal makes them,
 *           in a process with the image's settings: on `{ type: 'verify', count, atOnce }` it makes
 *           them and answers when done (the bench reads the process's CPU around it).
 *   portal  the portal as `npm start` builds it, in its production configuration: SQLite under a fresh
 *           DATA_DIR (or PostgreSQL at BENCH_DATABASE_URL), the outbox, the bucket at BENCH_S3_ENDPOINT,
 *           JSON request logs to stdout. It registers a recording, texts its link, signs in once and
 *           issues download grants on request. BENCH_SQL_TIMING=1: it times its SQL (benchSqlTiming).
 *
 * Each reports over IPC: `{ port, ... }` once listening, then answers `{ type: 'grants', count }` and
 * `{ type: 'bucket-url' }` (a presigned URL of the recording, for reading the bucket directly).
 */
// First, as in server/main.ts: every target runs with the thread pool the portal gives itself.
import '../server/threadPool';
import http from 'node:http';
import { mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';

type Message = { type: 'grants'; count: number } | { type: 'bucket-url' } | { type: 'memory' };

async function listen(handler: http.RequestListener): Promise<number> {
  const server = http.createServer({ keepAlive: true }, handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function hello() {
  const app = express();
  app.disable('x-powered-by');
  app.get('/hello', (_req, res) => {
    res.send('hello');
  });
  process.send!({ port: await listen(app) });
}

async function s3() {
  const { startEmbeddedS3 } = await import('../server/objects/embeddedS3.js');
  const server = await startEmbeddedS3(mkdtempSync(path.join(tmpdir(), 'bench-s3-')), 'assessment-recordings', 0);
  process.send!({ endpoint: server.endpoint, accessKeyId: server.credentials.accessKeyId, secretAccessKey: server.credentials.secretAccessKey });
}

async function pipe() {
  const bucketUrl = process.env.BENCH_PIPE_URL!;
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  const port = await listen((req, res) => {
    const range = req.headers.range;
    const bucketRead = http.get(bucketUrl, { agent, headers: range ? { range } : {} }, (bucket) => {
      const headers: http.OutgoingHttpHeaders = {};
      for (const name of ['content-type', 'content-length', 'content-range', 'accept-ranges', 'etag']) if (bucket.headers[name]) headers[name] = bucket.headers[name];
      res.writeHead(bucket.statusCode!, headers);
      bucket.pipe(res);
    });
    bucketRead.on('error', () => res.destroy());
    res.on('close', () => bucketRead.destroy());
  });
  process.send!({ port });
}

async function argon2Verifies() {
  const argon2 = (await import('argon2')).default;
  const secret = Buffer.alloc(32, 1);
  // The parameters of server/security/argon2Settings.ts (OWASP's baseline: 19 MiB, 2 passes, 1 lane).
  const hash = await argon2.hash('AB123456C', { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1, secret });
  process.on('message', async (message: { type: 'verify'; count: number; atOnce: number }) => {
    await Promise.all(Array.from({ length: message.atOnce }, async () => {
      for (let i = 0; i < message.count / message.atOnce; i++) await argon2.verify(hash, 'AB123456C', { secret });
    }));
    process.send!({ type: 'verified' });
  });
  process.send!({ port: 0 });
}

async function portal() {
  if (process.env.BENCH_SQL_TIMING === '1') (await import('./benchSqlTiming.js')).timeSqlStatements();
  const [{ createApp }, { generateSecrets, loadConfig }, { DEMO }, { demoAudio }, { openPortal }] = await Promise.all([
    import('../server/app.js'),
    import('../server/config/index.js'),
    import('../server/demo.js'),
    import('../server/demoAudio.js'),
    import('../server/portal.js'),
  ]);
  const config = loadConfig({
    NODE_ENV: 'production',
    ...generateSecrets(),
    BASE_URL: 'https://recordings.example.gov.uk',
    DATA_DIR: mkdtempSync(path.join(tmpdir(), 'bench-portal-')),
    DATABASE_URL: process.env.BENCH_DATABASE_URL,
    S3_ENDPOINT: process.env.BENCH_S3_ENDPOINT,
    S3_ACCESS_KEY_ID: process.env.BENCH_S3_ACCESS_KEY_ID,
    S3_SECRET_ACCESS_KEY: process.env.BENCH_S3_SECRET_ACCESS_KEY,
    // The limiters still run on every request; only their ceilings are out of the load's way.
    RATE_LIMIT_PAGES_PER_MIN: '1000000',
    RATE_LIMIT_NINO_PER_15_MIN: '100000',
    // No listening copy is made: ffmpeg encoding in the background would share the cores with the
    // figure, and the player would be switched to the copy mid-run. The figures are the original's.
    FFMPEG_PATH: path.join(tmpdir(), 'bench-no-ffmpeg'),
  });
  const portal = await openPortal(config);
  const { services } = portal;
  const port = await listen(createApp(portal));

  // BENCH_AUDIO_SECONDS makes the recording as long as a real one, for the listening figures.
  const audio = demoAudio(Number(process.env.BENCH_AUDIO_SECONDS ?? 6));
  const { recordingId } = await services.registerRecording({ audio, assessmentRef: `BENCH-${process.pid}-${Date.now()}`, nino: DEMO.nino, phone: DEMO.phone, actor: 'bench' });
  const { url } = await services.sendLink({ recordingId, actor: 'bench', reason: 'benchmark' });
  const linkPath = new URL(url).pathname;
  const verified = await fetch(`http://127.0.0.1:${port}${linkPath}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `nino=${encodeURIComponent(DEMO.nino)}`,
  });
  const cookie = verified.headers.getSetCookie()[0].split(';')[0];
  const { gatekeeper } = services;
  const resolved = (await gatekeeper.resolve(linkPath.split('/')[2]))!;
  const session = (await gatekeeper.sessionFor(resolved, cookie.split('=')[1]))!;
  process.on('message', async (message: Message) => {
    if (message.type === 'grants') {
      const grants = await Promise.all(Array.from({ length: message.count }, () => gatekeeper.issueGrant(session)));
      process.send!({ type: 'grants', grants });
    }
    if (message.type === 'memory') process.send!({ type: 'memory', memory: process.memoryUsage() });
    if (message.type === 'bucket-url') {
      // The same object straight from the bucket: the baseline the portal's listening path is held to.
      const { object_key: key, content_type: contentType } = resolved.recording;
      const url = await portal.deps.objects.presignGet({ key, contentType, disposition: 'inline', fileName: 'bench.wav', ttlSeconds: 3600, now: new Date() });
      process.send!({ type: 'bucket-url', url });
    }
  });
  // BENCH_EXTRA_LINKS more recordings with a link each: a load of NINO checks spread over several
  // claimants, as on a live service, rather than all on one link (which weighs at most 5 at once).
  const extraPaths: string[] = [];
  for (let i = 0; i < Number(process.env.BENCH_EXTRA_LINKS ?? 0); i++) {
    const extra = await services.registerRecording({ audio: demoAudio(6), assessmentRef: `BENCH-${process.pid}-${Date.now()}-${i}`, nino: DEMO.nino, phone: DEMO.phone, actor: 'bench' });
    extraPaths.push(new URL((await services.sendLink({ recordingId: extra.recordingId, actor: 'bench', reason: 'benchmark' })).url).pathname);
  }
  // A provider account, for the ingest figure's uploads through the API.
  const { apiKey } = await portal.providers.accounts.add(`Bench provider ${process.pid}`, 'bench');
  process.send!({ port, path: linkPath, cookie, nino: DEMO.nino, apiKey, extraPaths: extraPaths.join(','), sizeBytes: String(resolved.recording.size_bytes) });
}

const MODES: Record<string, () => Promise<void>> = { hello, s3, pipe, argon2: argon2Verifies, portal };

// Ends with the benchmark, however the benchmark ends.
process.on('disconnect', () => process.exit(0));

(MODES[process.argv[2]] ?? (() => Promise.reject(new Error(`mode must be one of ${Object.keys(MODES).join(', ')}`))))().catch((error) => {
  console.error(error);
  process.exit(1);
});
