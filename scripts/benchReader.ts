/**
 * The HTTP client the byte-path figures of `npm run bench` read with. Unlike autocannon it reads every
 * answer to its end (or to the end of the measured window), counts the bytes that actually arrived,
 * and tells a failed answer (wrong status, an error, a body cut short) from a slow one: a slice is only
 * given up on when no byte of it has come for IDLE_TIMEOUT_MS, far past any slice's transfer time here.
 */
import http from 'node:http';

/** No byte for this long, and the answer counts as failed. */
export const IDLE_TIMEOUT_MS = 60_000;

/** Bytes received while the window is open, and how the answers ended. */
export class Tally {
  bytes = 0;
  answers = 0;
  failures = 0;
  readonly failureKinds: Record<string, number> = {};
  /** Milliseconds from asking to the last byte, one per answer read to its end. */
  readonly answerMs: number[] = [];
  /** Milliseconds from asking to the first byte. */
  readonly firstByteMs: number[] = [];
  open = true;

  fail(kind: string) {
    if (!this.open) return;
    this.failures++;
    this.failureKinds[kind] = (this.failureKinds[kind] ?? 0) + 1;
  }
}

export const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });

export interface ReadOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  expectStatus: number;
  /** Called with each chunk; may pause the response (a player reading at a phone's rate). */
  onData?: (chunk: Buffer, response: http.IncomingMessage) => void;
  /** Called once the first byte of the body (or the headers, for an empty one) arrives. */
  onFirstByte?: () => void;
}

export interface Answer {
  ok: boolean;
  status: number;
  headers: http.IncomingHttpHeaders;
  bytes: number;
  /** Why the answer failed, when it did (also when it was cut: the caller knows why it cut it). */
  failure?: string;
}

/**
 * One request, read to its end. Resolves (never rejects) with what came; `cut` ends it early without
 * counting a failure (the window closed, or the player seeked away).
 */
export function read(url: string, tally: Tally, options: ReadOptions, cut?: AbortSignal): Promise<Answer> {
  const started = performance.now();
  return new Promise((resolve) => {
    let bytes = 0;
    let settled = false;
    const done = (answer: Answer, failure?: string) => {
      if (settled) return;
      settled = true;
      if (failure && !cut?.aborted) tally.fail(failure);
      answer.failure = failure;
      if (!failure && tally.open) {
        tally.answers++;
        tally.answerMs.push(performance.now() - started);
      }
      resolve(answer);
    };
    const request = http.request(url, { agent, method: options.method ?? 'GET', headers: options.headers, signal: cut }, (response) => {
      const status = response.statusCode!;
      let first = true;
      const firstByte = () => {
        if (!first) return;
        first = false;
        if (tally.open) tally.firstByteMs.push(performance.now() - started);
        options.onFirstByte?.();
      };
      if (status !== options.expectStatus) {
        response.resume();
        return done({ ok: false, status, headers: response.headers, bytes }, `status ${status}`);
      }
      const expected = Number(response.headers['content-length'] ?? Number.NaN);
      response.on('data', (chunk: Buffer) => {
        firstByte();
        bytes += chunk.length;
        if (tally.open) tally.bytes += chunk.length;
        options.onData?.(chunk, response);
      });
      response.on('end', () => {
        firstByte();
        const short = Number.isFinite(expected) && bytes !== expected;
        done({ ok: !short, status, headers: response.headers, bytes }, short ? 'body cut short' : undefined);
      });
      response.on('error', (error) => done({ ok: false, status, headers: response.headers, bytes }, (error as NodeJS.ErrnoException).code ?? error.name));
      response.on('close', () => done({ ok: false, status, headers: response.headers, bytes }, response.complete ? undefined : 'connection closed mid-body'));
    });
    request.setTimeout(IDLE_TIMEOUT_MS, () => request.destroy(Object.assign(new Error('idle'), { code: 'IDLE_TIMEOUT' })));
    request.on('error', (error) => done({ ok: false, status: 0, headers: {}, bytes }, (error as NodeJS.ErrnoException).code ?? error.name));
    request.end(options.body);
  });
}

/** The p-th percentile (0 to 100) of some numbers; NaN when there are none. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** A small seeded generator, so the three paths of a comparison read the same offsets. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}
