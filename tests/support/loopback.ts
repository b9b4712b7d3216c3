import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { generateSecrets } from '../../server/config';
import { generateEmbeddedS3Credentials } from '../../server/config/s3';
import type { TestPortal } from './testPortal';

export interface RawAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  ms: number;
}

export interface RawRequest {
  method?: string;
  /** Sent exactly as given (no URL normalisation), so broken percent escapes reach the portal as an attacker sends them. */
  path: string;
  headers?: Record<string, string | string[]>;
  body?: string | Buffer;
  timeoutMs?: number;
}

/**
 * The app on a loopback port with a keep-alive client: thousands of requests in seconds, where
 * supertest would open a server per request. Paths and headers go out byte for byte.
 */
const HTTP_MAX_HEADER_BYTES = http.maxHeaderSize;

export async function listenOnLoopback(app: Express) {
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  // Idle sockets are closed by the client (after 4 s) before the server's 5-second keep-alive timeout
  // can close one just as a request is written to it (an ECONNRESET the portal never saw), and the most
  // recently used socket is reused first.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64, timeout: 4_000, scheduling: 'lifo' });

  function send(req: RawRequest): Promise<RawAnswer> {
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | string[] | number> = { ...req.headers };
      if (req.body !== undefined) headers['content-length'] = Buffer.byteLength(req.body);
      const call = http.request({ host: '127.0.0.1', port, method: req.method ?? 'GET', path: req.path, headers, agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, text: Buffer.concat(chunks).toString('utf8'), ms: performance.now() - started }));
        res.on('error', reject);
      });
      call.on('error', (error: NodeJS.ErrnoException) => {
        // Node refuses a request head over its 16 KB limit with 431 and closes the socket; while the
        // client is still writing the rest, it may see that close as a reset instead of the answer.
        const head = req.path.length + JSON.stringify(req.headers ?? {}).length;
        if (head > HTTP_MAX_HEADER_BYTES && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
          resolve({ status: 431, headers: {}, text: '', ms: performance.now() - started });
        } else reject(error);
      });
      // A request the portal never answers is a failure in itself (a hung parser, a lost promise).
      call.setTimeout(req.timeoutMs ?? 10_000, () => call.destroy(new Error(`no answer within ${req.timeoutMs ?? 10_000} ms: ${req.method ?? 'GET'} ${req.path.slice(0, 200)}`)));
      call.end(req.body);
    });
  }

  return {
    port,
    url: `http://127.0.0.1:${port}`,
    send,
    async close() {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type Loopback = Awaited<ReturnType<typeof listenOnLoopback>>;

/** Runs `count` tasks with at most `concurrency` in flight. */
export async function inParallel<T>(count: number, concurrency: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) {
        const index = next++;
        results[index] = await task(index);
      }
    }),
  );
  return results;
}

/** What a request could have changed: row counts of every table that records anything, and each link's counters. */
export async function stateSnapshot(portal: TestPortal) {
  const db = portal.db.withTables<Record<string, Record<string, unknown>>>();
  const tables = ['recordings', 'links', 'redeemed_grants', 'audit_events', 'sms_messages', 'legal_holds', 'staff_accounts', 'staff_sessions', 'providers', 'provider_api_keys', 'provider_recordings', 'idempotency_keys'];
  const counts: Record<string, number> = {};
  for (const table of tables) {
    const row = await db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  const links = await db
    .selectFrom('links')
    .select(['id', 'failed_attempts', 'locked_at', 'first_download_at', 'download_count', 'revoked_at'])
    .orderBy('id')
    .execute();
  return { counts, links };
}

export function expectNoStackTrace(text: string) {
  expect(text).not.toMatch(/\bat .*:\d+:\d+|node_modules\/|(Type|Syntax|Range|URI|Reference)Error/);
}

/**
 * NODE_ENV=production with every secret given, as a deployment runs: templates compiled once and
 * cached (outside production they are recompiled on every render, about 10 ms a page on this machine).
 */
export function productionEnv(extra: Record<string, string> = {}): Record<string, string> {
  // One process on this machine: the embedded S3 server, which production runs only when told to.
  const s3 = generateEmbeddedS3Credentials();
  return { NODE_ENV: 'production', S3_ENDPOINT: 'embedded', S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey, ...generateSecrets(), ...extra };
}

export interface FiredAnswer {
  status: number;
  /** Whether the body contained each of the `look for` strings, in order. */
  found: boolean[];
  /** Whether the body looked like a stack trace or an internal error. */
  stackTrace: boolean;
}

/** Plain JavaScript for the worker thread (it is not compiled by the test transform). */
const FIRE_WORKER = `
const http = require('node:http');
const { workerData, parentPort } = require('node:worker_threads');
const { port, paths, concurrency, lookFor } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const STACK = /\\bat .*:\\d+:\\d+|node_modules\\/|(Type|Syntax|Range|URI|Reference)Error/;
const results = new Array(paths.length);
let next = 0;
function one(path) {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path, agent }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode, found: lookFor.map((s) => text.includes(s)), stackTrace: STACK.test(text) });
      });
    });
    req.on('error', (e) => resolve({ status: -1, found: [], stackTrace: false, error: String(e) }));
    req.end();
  });
}
Promise.all(Array.from({ length: concurrency }, async () => {
  while (next < paths.length) { const i = next++; results[i] = await one(paths[i]); }
})).then(() => { agent.destroy(); parentPort.postMessage(results); });
`;

/**
 * GETs every path from a worker thread, so the client's work runs on another core and the
 * portal's event loop serves requests alone: thousands of requests in a few seconds.
 */
export function fireFromWorker(port: number, paths: string[], lookFor: string[] = [], concurrency = 32): Promise<FiredAnswer[]> {
  // Imported here so that only suites that use it load worker_threads.
  const { Worker } = require('node:worker_threads') as typeof import('node:worker_threads');
  return new Promise((resolve, reject) => {
    const worker = new Worker(FIRE_WORKER, { eval: true, workerData: { port, paths, concurrency, lookFor } });
    worker.once('message', (results: FiredAnswer[]) => {
      void worker.terminate();
      resolve(results);
    });
    worker.once('error', reject);
  });
}
