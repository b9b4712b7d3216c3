import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createApp } from '../../server/app';
import { runCli } from '../../server/cli/portalCli';
import { loadConfig, type Config } from '../../server/config';
import { demoAudio } from './demoAudio';
import { openPortal } from '../../server/portal';
import { portalLogger } from '../../server/runtime';
import { testClock } from './testClock';

export const CLAIMANT = { nino: 'AB 12 34 56 C', phone: '07700 900123' };

export interface OutboxEntry {
  to: string;
  body: string;
  url: string;
  at: string;
}

export { sha256Hex as sha256 } from '../../server/sha256Hex';

/**
 * The real portal on a fresh DATA_DIR: SQLite file, embedded S3-compatible server, outbox SMS, with
 * a hand-moved clock. The operator CLI runs in-process against the same DATA_DIR, as an operator's would.
 */
export async function startTestPortal(overrides: Record<string, string> = {}) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'portal-test-'));
  // The embedded bucket answers on the test's own thread, which a loaded machine can hold for seconds:
  // a download's HEAD gets longer than production's 3 s before it counts the store as down.
  const env = { NODE_ENV: 'test', DATA_DIR: dataDir, EMBEDDED_S3_PORT: '0', BASE_URL: 'https://recordings.example.gov.uk', S3_HEAD_TIMEOUT: '20s', ...overrides };
  const config: Config = loadConfig(env);
  const clock = testClock();
  const queries: string[] = [];
  const logLines: string[] = [];
  const logger = portalLogger('info', { write: (line: string) => void logLines.push(line) });
  // Its jobs are not started: a test kicks or runs them, and awaits them with settled().
  const portal = await openPortal(config, { clock, logger, onQuery: (sql) => queries.push(sql) });
  const app = createApp(portal);

  async function cli(...args: string[]): Promise<{ code: number; json: Record<string, unknown> }> {
    const out: string[] = [];
    const code = await runCli(args, { env, clock, out: (line) => out.push(line), err: () => {} });
    return { code, json: out.length ? JSON.parse(out.join('\n')) : {} };
  }

  function outbox(): OutboxEntry[] {
    try {
      return readFileSync(config.sms.outboxFile, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    } catch {
      return [];
    }
  }

  /** Registers a recording (in the claimant's language, if given) and sends its link, both through the operator CLI; returns the texted link. */
  async function recordingWithLink(audio: Buffer = demoAudio(3), ref = `REF-${Math.random().toString(36).slice(2, 10)}`, language?: 'en' | 'cy') {
    const file = path.join(dataDir, `${ref}.wav`);
    writeFileSync(file, audio);
    const added = await cli('recordings', 'add', '--file', file, '--ref', ref, '--nino', CLAIMANT.nino, '--phone', CLAIMANT.phone, ...(language ? ['--language', language] : []));
    if (added.code !== 0) throw new Error(`recordings add failed: ${JSON.stringify(added.json)}`);
    const recordingId = added.json.recordingId as string;
    const link = await sendLink(recordingId);
    return { recordingId, audio, ...link };
  }

  async function sendLink(recordingId: string, ...extra: string[]) {
    const sent = await cli('links', 'send', '--recording', recordingId, ...extra);
    if (sent.code !== 0) throw new Error(`links send failed: ${JSON.stringify(sent.json)}`);
    const message = outbox().at(-1)!;
    const url = new URL(message.url);
    return { linkId: sent.json.linkId as string, message, path: url.pathname, token: url.pathname.split('/')[2] };
  }

  /** Another instance of the portal over the same database, object store and Redis: a second pod. */
  async function anotherInstance() {
    const other = await openPortal(config, { clock, logger: pino({ level: 'silent' }) });
    return { app: createApp(other), deps: other.deps, services: other.services, jobs: other.jobs, settled: other.settled, close: () => other.close() };
  }

  return {
    app,
    config,
    anotherInstance,
    clock,
    env,
    dataDir,
    queries,
    logLines,
    /** The database itself, to read or change rows a test needs that no store offers. */
    db: portal.db,
    audit: portal.deps.audit,
    recordings: portal.deps.recordings,
    links: portal.deps.links,
    ninoAttempts: portal.deps.ninoAttempts,
    retention: portal.deps.retention,
    leases: portal.deps.leases,
    deps: portal.deps,
    /** The services the app serves with (one dispatcher, one listening-copy job), the staff console's and the providers'. */
    services: portal.services,
    staff: portal.staff,
    providers: portal.providers,
    /** The background jobs, not started: { dispatcher, listeningCopies, multipartSweep, retentionSweep }. */
    jobs: portal.jobs,
    /** Resolves once every job's runs started so far have finished (a text the dispatcher was kicked for is sent). */
    settled: portal.settled,
    cli,
    outbox,
    recordingWithLink,
    sendLink,
    async close() {
      await portal.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type TestPortal = Awaited<ReturnType<typeof startTestPortal>>;
