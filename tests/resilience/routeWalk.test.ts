import http from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { createApp } from '../../server/app';
import { wirePortal } from '../../server/portal';
import { demoAudio } from '../support/demoAudio';
import { LISTEN_SLICE_BYTES } from '../../server/routes/claimant';
import { productionEnv } from '../support/loopback';
import { signedInStaff } from '../support/staffBrowser';
import { CLAIMANT, startTestPortal, type TestPortal } from '../support/testPortal';
import { ClaimantBrowser } from '../support/claimantBrowser';
import { providerKey, providerRecording } from '../support/providerRecording';
import { culprits, recordEscapes, type Escape } from '../support/resilience/escapes';
import { mountedRoutes, recordDispatches, routeKey, type MountedRoutes } from '../support/resilience/routeWalk';
import { healthz, walkPhases, walkTargets, walkUnits, type Caller, type Finding, type WalkRun, type WalkTarget } from '../support/resilience/walkPlan';
import { withEveryWebhook } from '../support/resilience/walkPortal';

/**
 * Walks every route the app mounts (read from its router stacks, so a route added later is walked
 * without anyone listing it), as every kind of caller, with hostile heads and bodies: no answer may
 * be a 5xx, oversized or late, nothing may escape as an uncaught exception, and /healthz must answer
 * after each route. The server's timeouts are the short ones a test may set, so a stalled body ends
 * within seconds. ROUTE_WALK_DEBUG=1 prints each route's exchanges and time on stderr.
 */

/** The server's bounds for the walk: what main.ts sets for an hour, shortened so a stall ends within the run. */
const SERVER_TIMEOUTS = { requestTimeout: 2_000, headersTimeout: 1_500, connectionsCheckingInterval: 250 };
const FORM_BODY_DEADLINE_MS = 800;
const WALK_ENV = { RATE_LIMIT_PAGES_PER_MIN: '1000000', RATE_LIMIT_NINO_PER_15_MIN: '100000', API_MAX_UPLOAD_MB: '1', TRANSCRIPT_MAX_KB: '64' };
/** Over the listening slice, so a listen that ignores it shows. */
const RECORDING_SECONDS = 140;

let portal: TestPortal;
let server: http.Server;
let mounted: MountedRoutes;
let targets: WalkTarget[];
const reached = new Set<string>();
const escaped: Escape[] = [];
let run: WalkRun;

async function callers(app: http.RequestListener & Parameters<typeof request>[0], linkPath: string, apiKey: string) {
  const claimant = new ClaimantBrowser(app as never);
  expect((await claimant.enterNino(linkPath, CLAIMANT.nino)).status).toBe(303);
  const download = await claimant.download(linkPath);
  expect(download.status).toBe(303);
  const ticket = String(download.headers.location).split('/').at(-1)!;
  const staff: Caller[] = [];
  let staffId = '';
  for (const role of ['agent', 'supervisor', 'auditor']) {
    const member = await signedInStaff(portal, role);
    await member.browser.get('/staff');
    staffId ||= member.staffId;
    staff.push({ name: role, headers: [['Cookie', member.browser.cookieHeader('/staff/recordings')]], csrf: member.browser.csrfToken() });
  }
  const list: Caller[] = [
    { name: 'nobody', headers: [] },
    { name: 'claimant', headers: [['Cookie', claimant.cookieHeader(linkPath)]] },
    ...staff,
    { name: 'provider', headers: [['Authorization', `Bearer ${apiKey}`]] },
  ];
  return { list, ticket, staffId };
}

/** Paths the pages link to (hashed assets among them), to fill routes given as regular expressions. */
async function linkedPaths(app: Parameters<typeof request>[0]): Promise<string[]> {
  const pages = await Promise.all(['/', '/help', '/verify'].map((path) => request(app).get(path)));
  return pages.flatMap((page) => [...page.text.matchAll(/(?:href|src)="(\/[^"#?]+)"/g)].map((match) => match[1]));
}

beforeAll(async () => {
  const setUpStarted = performance.now();
  portal = await startTestPortal(productionEnv(WALK_ENV));
  const app = createApp(wirePortal(withEveryWebhook(portal.deps)), { formBodyDeadlineMs: FORM_BODY_DEADLINE_MS });
  mounted = mountedRoutes(app);
  recordDispatches(mounted.routes, reached);
  server = http.createServer(SERVER_TIMEOUTS, app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  const audio = demoAudio(RECORDING_SECONDS);
  const link = await portal.recordingWithLink(audio);
  const apiKey = await providerKey(portal);
  const { recordingId: apiRecordingId } = await providerRecording(portal, 'WALK-API', { apiKey });
  const who = await callers(app, link.path, apiKey);
  const real = (pattern: string, name: string): string | undefined => {
    if (name === 'token') return link.token;
    if (name === 'ticket') return who.ticket;
    if (name === 'file') return 'original';
    if (name !== 'id') return undefined;
    if (pattern.startsWith('/api/')) return apiRecordingId;
    if (pattern.includes('/links/:id')) return link.linkId;
    if (pattern.includes('/accounts/:id')) return who.staffId;
    if (pattern.includes('/recordings/:id')) return link.recordingId;
    return undefined;
  };
  targets = walkTargets(mounted, real, await linkedPaths(app));
  const bounds = { errorBytes: 200 * 1024, pageBytes: 200 * 1024, audioBytes: LISTEN_SLICE_BYTES, attachmentBytes: audio.length + 64 * 1024, timeoutMs: 15_000 };
  if (process.env.ROUTE_WALK_DEBUG) process.stderr.write(`set up in ${Math.round(performance.now() - setUpStarted)} ms\n`);
  run = { port: (server.address() as AddressInfo).port, callers: who.list, bounds, inFlight: new Set(), recentlyEnded: [], replay: new Map(), findings: [], exchanges: 0 };
  const recorder = recordEscapes(run.inFlight, run.recentlyEnded);
  try {
    for (const phase of walkPhases(targets)) {
      const before = recorder.escapes.length;
      await walkUnits(run, phase, 5);
      const fresh = recorder.escapes.slice(before);
      escaped.push(...fresh);
      // Named as findings too (by sending each exchange in flight again alone, while the sessions of this phase still stand).
      const named = fresh.length ? await culprits({ ...recorder, escapes: fresh }, run.replay, () => healthz(run)) : [];
      for (const { label, error } of named) run.findings.push({ ...run.replay.get(label)!.finding, what: `an error escaped (uncaught): ${error}` });
    }
  } finally {
    recorder.stop();
  }
}, 115_000);

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await portal?.close();
});

const report = (findings: Finding[]) => findings.map((f) => `${f.route} as ${f.caller} (${f.variant}) ${f.case}: ${f.what}`);

test('the walk reads every mount path and finds the routes of every area', () => {
  expect(mounted.unreadable).toEqual([]);
  const keys = mounted.routes.flatMap((route) => route.methods.map((method) => routeKey(method, route.pattern)));
  for (const anchor of ['GET /healthz', 'POST /webhooks/twilio/status', 'POST /webhooks/notify/status', 'POST /api/v1/recordings', 'PUT /api/v1/recordings/:id/transcript', 'POST /staff/recordings/:id/transcript', 'GET /staff', 'GET /r/:token/listen', 'GET /verify']) {
    expect(keys).toContain(anchor);
  }
  expect(mounted.leaves.map((leaf) => leaf.mount)).toEqual(expect.arrayContaining(['/assets', '/govuk', '/static', '/r']));
});

test('every route parameter is filled with a real value as well as garbage', () => {
  expect(targets.filter((target) => target.missing.length).map((target) => `${target.key}: no real ${target.missing.join(', ')}`)).toEqual([]);
});

test('every route and method the app mounts was reached by the walk', () => {
  const all = mounted.routes.flatMap((route) => route.methods.map((method) => routeKey(method, route.pattern)));
  expect(all.filter((key) => !reached.has(key))).toEqual([]);
  expect(run.exchanges).toBeGreaterThan(1_000);
});

test('nothing escaped as an uncaught exception or unhandled rejection during the walk', () => {
  expect(escaped.map((escape) => `${escape.error}; in flight: ${escape.inFlight.length} exchanges`)).toEqual([]);
});

test('every answer is a 4xx or better, bounded in size and time, and /healthz answered after each route', () => {
  expect(report(run.findings)).toEqual([]);
});
