import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startTestPortal } from '../testPortal';
import { phoneLink } from './phoneLink';

/** A self-signed certificate for 127.0.0.1, made now (openssl, as Debian has it) and valid for a day. */
function loopbackCertificate() {
  const directory = mkdtempSync(path.join(tmpdir(), 'e2e-tls-'));
  try {
    const [key, cert] = [path.join(directory, 'key.pem'), path.join(directory, 'cert.pem')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
    return { key: readFileSync(key), cert: readFileSync(cert) };
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

/** One answer the portal gave, as the browser asked for it. */
export interface Answer {
  /** The request's place in arrival order (answers are listed as they end, which a long one does late). */
  arrived: number;
  method: string;
  path: string;
  /** What the browser sent: its Range header, and whether it asked for a document (a page load). */
  range?: string;
  /** Its `Icy-MetaData` header (GStreamer asks for Shoutcast metadata; the portal sends none). */
  icyMetaData?: string;
  document: boolean;
  status: number;
  contentRange?: string;
  contentType?: string;
  /** The connection closed before the answer was whole (the browser cancelled it, or the portal stopped it). */
  cut?: boolean;
  /** The SHA-256 of the body sent, for downloads (so a browser that saves where the test cannot read is still checked). */
  bodySha256?: string;
}

const isDocument = (req: IncomingMessage) => req.headers['sec-fetch-dest'] === 'document' || (req.method !== 'HEAD' && (req.headers.accept ?? '').startsWith('text/html'));

/** Records every answer; hashes the bodies of downloads as they are written. */
function recordAnswers(answers: Answer[], answered: EventEmitter) {
  let arrivals = 0;
  return (req: IncomingMessage, res: ServerResponse) => {
    const arrived = arrivals++;
    const url = req.url ?? '';
    const hash = /\/download(\/|$)/.test(url) && req.method === 'GET' ? createHash('sha256') : undefined;
    if (hash) {
      const write = res.write.bind(res) as (...args: unknown[]) => boolean;
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      const feed = (chunk: unknown) => {
        if (typeof chunk === 'string' || Buffer.isBuffer(chunk) || chunk instanceof Uint8Array) hash.update(chunk as Buffer);
      };
      res.write = ((chunk: unknown, ...rest: unknown[]) => (feed(chunk), write(chunk, ...rest))) as typeof res.write;
      res.end = ((chunk?: unknown, ...rest: unknown[]) => (typeof chunk !== 'function' && feed(chunk), end(chunk, ...rest))) as typeof res.end;
    }
    const record = () => {
      const header = (name: string) => (res.getHeader(name) === undefined ? undefined : String(res.getHeader(name)));
      answers.push({
        arrived,
        method: req.method ?? '',
        path: url,
        range: req.headers.range,
        icyMetaData: req.headers['icy-metadata'] as string | undefined,
        document: isDocument(req),
        status: res.statusCode,
        contentRange: header('content-range'),
        contentType: header('content-type'),
        cut: !res.writableFinished || undefined,
        bodySha256: hash && res.statusCode === 200 && res.writableFinished ? hash.digest('hex') : undefined,
      });
      answered.emit('answer', answers.at(-1));
    };
    // Either whole ('finish') or cut short ('close' without finishing): every answer is recorded once.
    res.once('finish', record);
    res.once('close', () => {
      if (!res.writableFinished) record();
    });
  };
}

/**
 * The real portal (startTestPortal) listening on loopback, so a real browser can use it; over https
 * (a certificate made at test time) for an engine that drops a Secure cookie on http. Texted links
 * name the configured BASE_URL; `urlFor` points them at this server instead, as a claimant's phone
 * would reach the real host. With `phoneLinkBytesPerSecond`, the browser reaches it over a link that
 * slow (phoneLink), so what a player has read ahead at any moment is bounded by time, not by the machine.
 */
export async function startLivePortal(overrides: Record<string, string> = {}, options: { scheme?: 'http' | 'https'; phoneLinkBytesPerSecond?: number } = {}) {
  // One browser from one address opens many pages here; the per-address limit is not under test.
  const portal = await startTestPortal({ RATE_LIMIT_PAGES_PER_MIN: '100000', ...overrides });
  const scheme = options.scheme ?? 'http';
  /** One-shot hooks run before the portal handles a request whose path matches (as a held request, in any engine). */
  const holds: { matches: (req: IncomingMessage) => boolean; before: () => Promise<unknown> }[] = [];
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const held = holds.findIndex((hold) => hold.matches(req));
    if (held < 0) return void portal.app(req as never, res as never);
    const [{ before }] = holds.splice(held, 1);
    req.pause();
    before().then(
      () => portal.app(req as never, res as never),
      (error) => res.destroy(error as Error),
    );
  };
  const server = scheme === 'https' ? createHttpsServer(loopbackCertificate(), handle) : createHttpServer(handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const link = options.phoneLinkBytesPerSecond ? await phoneLink(server.address() as AddressInfo, options.phoneLinkBytesPerSecond) : undefined;
  const origin = `${scheme}://127.0.0.1:${link?.port ?? (server.address() as AddressInfo).port}`;
  /** Every path the browser asked this server for, in order. */
  const requested: string[] = [];
  /** Every request as it arrived (an answer to the end of a long file may not have ended yet). */
  const asked: { arrived: number; path: string; range?: string }[] = [];
  /** Every answer, in the order they finished. */
  const answers: Answer[] = [];
  const answered = new EventEmitter();
  const record = recordAnswers(answers, answered);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    asked.push({ arrived: requested.length, path: req.url ?? '', range: req.headers.range });
    requested.push(req.url ?? '');
    record(req, res);
  });

  const urlFor = (textedUrl: string) => {
    const texted = new URL(textedUrl);
    return `${origin}${texted.pathname}${texted.search}`;
  };

  return {
    ...portal,
    origin,
    requested,
    asked,
    answers,
    urlFor,
    /** How many requests have arrived so far: answers with `arrived` at or above it came after this moment. */
    arrivals: () => requested.length,
    /** The status of the last page load the browser made (WebDriver has no way to ask the browser). */
    lastPageStatus: () => answers.filter((answer) => answer.document).at(-1)?.status,
    /** Runs `before` (once) ahead of the portal's handling of the next request whose path matches (or that `pattern` accepts). */
    holdNext(pattern: RegExp | ((req: IncomingMessage) => boolean), before: () => Promise<unknown>) {
      holds.push({ matches: typeof pattern === 'function' ? pattern : (req) => pattern.test(req.url ?? ''), before });
    },
    /** The first answer from index `from` on that `matches`, as soon as the portal gives it. */
    waitForAnswer(from: number, matches: (answer: Answer) => boolean, timeoutMs = 60_000): Promise<Answer> {
      const found = answers.slice(from).find(matches);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          answered.off('answer', listener);
          reject(new Error(`no such answer within ${timeoutMs} ms; answers since: ${JSON.stringify(answers.slice(from))}`));
        }, timeoutMs);
        const listener = (answer: Answer) => {
          if (!matches(answer)) return;
          clearTimeout(timer);
          answered.off('answer', listener);
          resolve(answer);
        };
        answered.on('answer', listener);
      });
    },
    /** Registers a recording in the claimant's language and texts its link, which `url` points at this server. */
    async recordingInLanguage(language: 'en' | 'cy', audio?: Buffer) {
      const recording = await portal.recordingWithLink(audio, undefined, language);
      return { ...recording, url: urlFor(recording.message.url) };
    },
    async close() {
      await link?.close();
      server.closeAllConnections();
      server.close();
      await portal.close();
    },
  };
}

export type LivePortal = Awaited<ReturnType<typeof startLivePortal>>;
