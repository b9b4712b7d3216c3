import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmbeddedS3 } from '../../server/objects/embeddedS3';
import { SECOND } from './testClock';
import { startTestPortal } from './testPortal';

/**
 * The bucket's endpoint as the portal sees it: a proxy in front of the real S3-compatible server that
 * notes every ranged read (the portal reads audio no other way) and can cut a read off mid-body.
 */
export async function watchedBucket(target: string) {
  const upstream = new URL(target);
  const reads: string[] = [];
  /**
   * Connections the portal closed: it keeps them alive between reads, so each close is a read it gave
   * back or broke off (a listener paused or gone), the data the sockets held discarded.
   */
  let closedByPortal = 0;
  let cutNextRead = false;
  const server = http.createServer((req, res) => {
    const cut = req.method === 'GET' && req.headers.range !== undefined && cutNextRead;
    if (req.method === 'GET' && req.headers.range !== undefined) reads.push(req.headers.range);
    if (cut) cutNextRead = false;
    if (req.method === 'GET' && !sockets.has(req.socket)) {
      sockets.add(req.socket);
      req.socket.once('close', () => closedByPortal++);
    }
    const forwarded = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      if (!cut) return void answer.pipe(res);
      // A bucket that stops sending part-way: some of the body, then the connection goes.
      answer.once('data', (chunk: Buffer) => res.write(chunk, () => res.destroy()));
    });
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  const sockets = new WeakSet<object>();
  // Idle connections stay open as long as the test runs, so only the portal closes them.
  server.keepAliveTimeout = 10 * 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    reads,
    closedByPortal: () => closedByPortal,
    cutNextRead: () => void (cutNextRead = true),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

export type WatchedBucket = Awaited<ReturnType<typeof watchedBucket>>;

export interface SlowRead {
  status: number;
  headers: http.IncomingHttpHeaders;
  received: number;
  complete: boolean;
  /** The bytes that arrived, in order (kept only when asked for). */
  body?: Buffer;
}

/**
 * A player's GET over a real socket, as a media element reads: once `pauseAt` bytes have arrived it
 * stops reading until `whilePaused` has done its work (the claimant pauses; something changes), then
 * reads on until the connection ends. `headers` are what the engine sends (WebKit: no Range, and
 * `Icy-MetaData: 1`; a seek: `Range: bytes=N-`).
 */
export function readSlowly(url: string, headers: Record<string, string>, pauseAt: number, whilePaused: () => Promise<unknown>, keepBody = false): Promise<SlowRead> {
  return new Promise((resolve, reject) => {
    const request = http.get(url, { headers, agent: false }, (response) => {
      let received = 0;
      let paused = false;
      const chunks: Buffer[] = [];
      const finish = () => resolve({ status: response.statusCode!, headers: response.headers, received, complete: response.complete, body: keepBody ? Buffer.concat(chunks) : undefined });
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (keepBody) chunks.push(chunk);
        if (paused || received < pauseAt) return;
        paused = true;
        response.pause();
        whilePaused().then(() => response.resume(), reject);
      });
      response.on('end', finish).on('error', finish).on('aborted', finish).on('close', finish);
    });
    request.on('error', reject);
  });
}

/**
 * A test portal whose bucket is an embedded S3 server of its own behind `watchedBucket`, listening on
 * loopback so a client can read its answers slowly. `env` adds to the bucket's settings.
 */
export async function portalOnWatchedBucket(env: Record<string, string> = {}) {
  const s3Dir = mkdtempSync(path.join(tmpdir(), 'listening-s3-'));
  const s3 = await startEmbeddedS3(s3Dir, 'assessment-recordings', 0);
  const bucket = await watchedBucket(s3.endpoint);
  const portal = await startTestPortal({ S3_ENDPOINT: bucket.endpoint, S3_ACCESS_KEY_ID: s3.credentials.accessKeyId, S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey, ...env });
  portal.clock.set(new Date(Math.floor(Date.now() / SECOND) * SECOND));
  const server = portal.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  async function close() {
    server.closeAllConnections();
    server.close();
    await portal.close();
    await bucket.close();
    await s3.close();
    rmSync(s3Dir, { recursive: true, force: true });
  }
  return { portal, bucket, origin, close };
}
