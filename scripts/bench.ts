/**
 * `npm run bench`: throughput figures, each beside what bounds it, measured in the same run on the
 * same machine (these machines are shared and noisy, so only ratios compare across runs).
 * Prints a table and writes bench-results/latest.json.
 *
 *   BENCH_PROFILE=quick  shorter runs and smaller tables, for working on a figure (BENCH_QUICK=1 too)
 *   BENCH_ONLY=a,b       only these figures: sms, nino, http, gatekeeper, bytes, phones, journey, ingest, lookups, scaling
 *   BENCH_SKIP_BUILD=1   use the dist/ there is rather than building it again
 *   BENCH_CPU_PROF=dir   every loaded process writes a V8 CPU profile there as it stops
 *   BENCH_TARGET_LOG=dir every loaded process's log (the portal's JSON lines) is kept there
 *   BENCH_SQL_TIMING=1   the portal prints, as it stops, the SQL statements that took longest (benchSqlTiming)
 *   DATABASE_URL         a PostgreSQL database for the scaling figure (a schema of its own, dropped after)
 *
 * The HTTP figures load processes of their own (scripts/benchTarget.ts), built first with `npm run build`
 * and run with plain node, as the container runs the portal.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import pino from 'pino';
import { loadConfig } from '../server/config';
import { openPortal } from '../server/portal';
import { SMS_PAYLOAD_FIELD } from '../server/sms/dispatcher';
import { startFakeTwilio, TWILIO } from '../tests/support/fakeSmsProviders';
import { productionEnv } from '../tests/support/loopback';
import { CLAIMANT, startTestPortal } from '../tests/support/testPortal';
import { freshPostgresSchema } from '../tests/support/testServices';

import { argon2Bound, bucketTarget, CORES, load, loadAverage, LOAD_SECONDS, PROFILE, QUICK, startPortal, startTarget, stopBucket, warmUp, WARM_UP_SECONDS, type Figure, type Load, type Target } from './benchHarness';
import { bytePath } from './benchBytes';
import { ingest } from './benchIngest';
import { claimantJourney } from './benchJourney';
import { hundredDownloads, thousandPhones } from './benchPhones';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

/** 10,000 queued messages delivered to a local Twilio stand-in that allows `limit` per second. */
async function smsDispatch(): Promise<Figure> {
  const messages = Number(process.env.BENCH_SMS_MESSAGES ?? (QUICK ? 1_000 : 10_000));
  const limit = Number(process.env.BENCH_SMS_RATE ?? 200);
  const fake = await startFakeTwilio({ perSecond: limit });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-sms-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    EMBEDDED_S3_PORT: '0',
    SMS_PROVIDER: 'twilio',
    TWILIO_ACCOUNT_SID: TWILIO.accountSid,
    TWILIO_AUTH_TOKEN: TWILIO.authToken,
    TWILIO_FROM: TWILIO.from,
    TWILIO_API_BASE_URL: fake.url(),
    SMS_MAX_PER_SECOND: String(limit),
  });
  const portal = await openPortal(config, { logger: pino({ level: 'silent' }) });
  try {
    const { recordings, links, cipher } = portal.deps;
    const now = new Date();
    for (let i = 0; i < messages; i++) {
      const id = `bench-${i}`;
      await recordings.addRecording(
        { id, assessment_ref: `BENCH-${i}`, recorded_at: now.toISOString(), retain_until: '2999-01-01T00:00:00.000Z', object_key: `recordings/${id}.wav`, content_type: 'audio/wav', size_bytes: 1, sha256: '0'.repeat(64), duration_seconds: 1, nino_hash: null, nino_index: null, phone_encrypted: null, language: 'en' },
        now,
        'bench',
      );
      const payload = { to: '+447700900123', body: `bench message ${i}`, url: `https://x/r/${i}`, until: '1 Dec' };
      await links.issueLink(
        { recordingId: id, tokenHash: `bench-${i}`, keyId: 'k1', phoneMasked: '07*** ***123', issuedBy: 'bench', reason: 'bench' },
        { language: 'en', payloadEncrypted: cipher.encrypt(SMS_PAYLOAD_FIELD, JSON.stringify(payload)), encoding: 'GSM-7', segments: 1 },
        now,
      );
    }
    const { dispatcher } = portal.jobs;
    const started = performance.now();
    let counts = { sent: 0, retrying: 0, failed: 0 };
    while (fake.messages.length < messages && performance.now() - started < 10 * 60_000) {
      const round = await dispatcher.drain();
      counts = { sent: counts.sent + round.sent, retrying: counts.retrying + round.retrying, failed: counts.failed + round.failed };
      if (round.sent === 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const seconds = (performance.now() - started) / 1000;
    const perSecond = fake.messages.length / seconds;
    const duplicates = fake.messages.length - new Set(fake.messages.map((m) => m.body)).size;
    const lost = messages - new Set(fake.messages.map((m) => m.body)).size;
    return {
      name: `SMS dispatch (${messages} messages)`,
      value: perSecond,
      unit: 'msg/s',
      baseline: limit,
      baselineName: "provider's rate limit",
      ratio: perSecond / limit,
      goal: '>= 0.90, no duplicates, none lost',
      met: perSecond / limit >= 0.9 && duplicates === 0 && lost === 0,
      notes: { seconds, duplicates, lost, refusedWith429: counts.retrying },
    };
  } finally {
    await portal.close();
    await fake.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------- 1. NINO verification against argon2's own bound ----------

async function ninoVerification(): Promise<Figure> {
  // Four connections a core, as before the attempt reservation, spread over as many claimants' links
  // as keep each under the 5 NINOs one link weighs at once (a sixth is told it is locked, as a burst is).
  const connections = CORES * 4;
  const perLink = 4;
  const links = Math.ceil(connections / perLink);
  const portal = await startPortal({ BENCH_EXTRA_LINKS: String(links - 1) });
  try {
    const paths = [portal.info.path, ...portal.info.extraPaths.split(',').filter(Boolean)];
    let nextConnection = 0;
    const posts: autocannon.Options = {
      url: `http://127.0.0.1:${portal.port}${portal.info.path}`,
      connections,
      requests: [
        {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: `nino=${encodeURIComponent(portal.info.nino)}`,
          // The context is the connection's own: each connection keeps to one link.
          setupRequest: (request, context: { link?: string }) => {
            context.link ??= paths[Math.floor(nextConnection++ / perLink) % paths.length];
            return { ...request, path: context.link };
          },
        },
      ],
    };
    await autocannon({ ...posts, duration: WARM_UP_SECONDS });
    // The bound is measured before and after the load and averaged, so that a change in what else the
    // shared machine is doing weighs on both sides alike.
    const before = await argon2Bound(LOAD_SECONDS / 2);
    const post = await load(portal, posts, 303);
    const bound = (before + (await argon2Bound(LOAD_SECONDS / 2))) / 2;
    return {
      name: 'NINO verification, full POST (303 + session)',
      value: post.rps,
      unit: 'req/s',
      baseline: bound,
      baselineName: `argon2id verify alone, ${CORES} worker threads`,
      ratio: post.rps / bound,
      goal: '>= 0.85, no failures',
      met: post.rps / bound >= 0.85 && post.failures === 0,
      notes: { connections, links, p50Ms: post.p50, p99Ms: post.p99, requests: post.requests, failures: post.failures, unexpectedStatus: post.unexpectedStatus, errors: post.errors, timeouts: post.timeouts, cpuUsPerPost: Math.round(post.cpuUsPerRequest) },
    };
  } finally {
    await portal.stop();
  }
}

// ---------- 2 and 4. Landing page and download redirect against bare Express; peak RSS ----------

/**
 * The guards: the portal's CPU a request as a multiple of bare Express's in the same run, because this
 * machine's speed moves by 2x within a day while the ratio holds (absolute µs are printed beside).
 */
const LANDING_CPU_RATIO = 3.5;
const DOWNLOAD_CPU_RATIO = 12;

async function httpThroughput(): Promise<Figure[]> {
  const figures: Figure[] = [];
  const hello = await startTarget('hello');
  const helloUrl = `http://127.0.0.1:${hello.port}/hello`;
  await warmUp(helloUrl);
  // Bare Express is loaded again just before each of the portal's loads, with the same connections,
  // so each ratio is of two loads a few seconds apart on the machine as it was then.
  const helloNow = (connections: number) => load(hello, { url: helloUrl, connections }, 200);
  const helloPeak = (await helloNow(50), hello.peakRssMb());
  const portal = await startPortal();
  try {
    const base = `http://127.0.0.1:${portal.port}${portal.info.path}`;
    // The guards are CPU per request (steadier than requests a second on a shared machine, and what a
    // budget is set in); the ratio to bare Express is printed for comparison with earlier runs.
    const figure = async (name: string, measure: () => Promise<Load>, connections: number, cpuRatio: number): Promise<Figure> => {
      const baseline = await helloNow(connections);
      const measured = await measure();
      const ratio = measured.cpuUsPerRequest / baseline.cpuUsPerRequest;
      return {
        name: `${name}, ${connections} connections: CPU a request`,
        value: measured.cpuUsPerRequest,
        unit: 'µs',
        baseline: baseline.cpuUsPerRequest,
        baselineName: 'bare Express "hello", same connections',
        ratio,
        goal: `<= ${cpuRatio}x bare Express, no failures`,
        met: ratio <= cpuRatio && measured.failures === 0,
        notes: {
          rps: measured.rps,
          baselineRps: baseline.rps,
          p50Ms: measured.p50,
          p99Ms: measured.p99,
          baselineP99Ms: baseline.p99,
          requests: measured.requests,
          unexpectedStatus: measured.unexpectedStatus,
          errors: measured.errors,
          timeouts: measured.timeouts,
        },
      };
    };
    await warmUp(base);
    for (const connections of [50, 200]) figures.push(await figure('Landing page GET /r/<token>', () => load(portal, { url: base, connections }, 200), connections, LANDING_CPU_RATIO));
    // As a phone's browser asks for it (autocannon sends no Accept-Encoding): the page comes compressed.
    const asBrowsers = { 'accept-encoding': 'gzip, deflate, br' };
    figures.push(await figure('Landing page GET /r/<token> with Accept-Encoding: gzip, deflate, br', () => load(portal, { url: base, connections: 50, headers: asBrowsers }, 200), 50, LANDING_CPU_RATIO));
    const landingPeak = portal.peakRssMb();
    figures.push({
      name: 'Peak RSS under the landing-page load',
      value: landingPeak,
      unit: 'MB',
      baseline: helloPeak,
      baselineName: 'bare Express "hello" under its load',
      ratio: landingPeak / helloPeak,
      goal: '< 200 MB',
      met: landingPeak < 200,
      // The portal's process holds SQLite too; the bucket runs in a process of its own, as S3 does.
    });
    // Each download spends a one-time grant, so a run is a fixed number of requests, each with its own.
    const downloads = async (connections: number, amount: number) => {
      const grants = await portal.grants(amount);
      let next = 0;
      return load(
        portal,
        {
          url: `${base}/download`,
          connections,
          amount,
          requests: [{ method: 'POST', setupRequest: (req) => ({ ...req, headers: { ...req.headers, 'content-type': 'application/x-www-form-urlencoded', cookie: portal.info.cookie }, body: `grant=${grants[next++]}` }) }],
        },
        303,
      );
    };
    await downloads(50, QUICK ? 300 : 1_000);
    for (const connections of [50, 200]) {
      const amount = Math.round((QUICK ? 1_500 : 4_000) * (connections === 200 ? 1.5 : 1));
      figures.push(await figure('Download redirect POST /r/<token>/download', () => downloads(connections, amount), connections, DOWNLOAD_CPU_RATIO));
    }
  } finally {
    await portal.stop();
    await hello.stop();
  }
  return figures;
}

// ---------- 3. Gatekeeper cost per download, in process ----------

async function gatekeeperCost(): Promise<Figure> {
  const portal = await startTestPortal(productionEnv());
  try {
    const { token } = await portal.recordingWithLink();
    const { gatekeeper } = portal.services;
    const resolved = (await gatekeeper.resolve(token))!;
    const verified = await gatekeeper.checkNino(resolved, CLAIMANT.nino);
    if (verified.outcome !== 'verified') throw new Error(`NINO check: ${verified.outcome}`);
    const session = verified.session;
    const operations = QUICK ? 500 : 2_000;
    const grants = await Promise.all(Array.from({ length: operations + 50 }, () => gatekeeper.issueGrant(session)));
    const storageAlone = () => portal.deps.objects.exists(resolved.recording.object_key);
    for (let i = 0; i < 50; i++) {
      await gatekeeper.download(resolved, session, grants[i], 'bench');
      await storageAlone();
    }
    // Interleaved, so that both see the same state of the machine, the heap and the S3 server.
    let downloadMs = 0;
    let storageMs = 0;
    for (let i = 0; i < operations; i++) {
      const started = performance.now();
      const outcome = await gatekeeper.download(resolved, session, grants[50 + i], 'bench');
      if (outcome.outcome !== 'ticket') throw new Error(`download ${i}: ${outcome.outcome}`);
      const downloaded = performance.now();
      await storageAlone();
      downloadMs += downloaded - started;
      storageMs += performance.now() - downloaded;
    }
    const perDownload = (downloadMs / operations) * 1000;
    const perStorage = (storageMs / operations) * 1000;
    return {
      name: 'Gatekeeper per download (grant check + S3 HEAD + redeem and record + signed ticket)',
      value: perDownload,
      unit: 'µs/op',
      baseline: perStorage,
      baselineName: 'S3 HEAD alone',
      ratio: perDownload / perStorage,
      goal: '< 5000 µs/op',
      met: perDownload < 5000,
      notes: { operations, databaseAndGrantUs: perDownload - perStorage },
    };
  } finally {
    await portal.close();
  }
}

// ---------- 5. Lookup cost as the tables grow ----------

async function lookupScaling(): Promise<Figure[]> {
  const sizes = QUICK ? [1_000, 10_000, 100_000] : [1_000, 100_000, 1_000_000];
  const portal = await startTestPortal();
  const raw = new Database(portal.config.database.sqliteFile);
  raw.pragma('busy_timeout = 5000');
  try {
    const addRecording = raw.prepare(
      `insert into recordings (id, assessment_ref, recorded_at, retain_until, object_key, content_type, size_bytes, sha256, duration_seconds, language, created_at)
       values (?, ?, '2026-01-01T00:00:00.000Z', '2999-01-01T00:00:00.000Z', ?, 'audio/wav', 1, ?, 1, 'en', '2026-01-01T00:00:00.000Z')`,
    );
    const addLink = raw.prepare(
      `insert into links (id, recording_id, token_hash, key_id, phone_masked, sent_at, issued_by, reason)
       values (?, ?, ?, 'k1', '07*** ***123', '2026-01-01T00:00:00.000Z', 'bench', 'bench')`,
    );
    const tokenHash = (i: number) => `bench-token-${i.toString(16).padStart(12, '0')}`;
    const addRows = raw.transaction((from: number, to: number) => {
      for (let i = from; i < to; i++) {
        const id = `bench-${i}`;
        addRecording.run(id, `BENCH-${i}`, `recordings/${id}.wav`, i.toString(16).padStart(64, '0'));
        addLink.run(`link-${i}`, id, tokenHash(i));
      }
    });
    const costs: Array<{ size: number; us: number; insertSeconds: number }> = [];
    let rows = 0;
    for (const size of sizes) {
      const insertStarted = performance.now();
      for (let from = rows; from < size; from += 50_000) addRows(from, Math.min(size, from + 50_000));
      rows = size;
      const insertSeconds = (performance.now() - insertStarted) / 1000;
      raw.exec('analyze');
      const lookups = 3_000;
      // Random existing tokens, so the cost is the index's and not one cached page's.
      const picks = Array.from({ length: lookups }, () => Math.floor(Math.random() * size));
      for (const i of picks.slice(0, 300)) await portal.links.findLinkByTokenHash(tokenHash(i));
      const started = performance.now();
      for (const i of picks) if (!(await portal.links.findLinkByTokenHash(tokenHash(i)))) throw new Error(`link ${i} not found`);
      costs.push({ size, us: ((performance.now() - started) / lookups) * 1000, insertSeconds });
    }
    const [first] = costs;
    return costs.map(({ size, us, insertSeconds }) => ({
      name: `Link lookup by token hash, ${size.toLocaleString('en-GB')} recordings and links (SQLite)`,
      value: us,
      unit: 'µs/op',
      baseline: first.us,
      baselineName: `the same at ${first.size.toLocaleString('en-GB')}`,
      ratio: us / first.us,
      goal: '<= 2.0 (flat: indexed)',
      met: us / first.us <= 2,
      notes: { insertSeconds },
    }));
  } finally {
    raw.close();
    await portal.close();
  }
}

// ---------- 5. Scaling: one and two instances over one PostgreSQL ----------

/**
 * The landing page at 200 connections against one portal, then against two over the same PostgreSQL
 * database (100 connections each, at once). The load generator, both portals and PostgreSQL share
 * this machine's cores, so the ratio says how far a second instance helps here, not on separate hosts.
 */
async function postgresScaling(): Promise<Figure[]> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    console.error('bench: scaling skipped (set DATABASE_URL to a PostgreSQL database to measure it)');
    return [];
  }
  const schema = await freshPostgresSchema(databaseUrl);
  const portals: Target[] = [];
  try {
    for (let i = 0; i < 2; i++) portals.push(await startPortal({ BENCH_DATABASE_URL: schema.url }));
    const landingUrl = (portal: Target) => `http://127.0.0.1:${portal.port}${portal.info.path}`;
    const landing = (portal: Target, connections: number) => load(portal, { url: landingUrl(portal), connections }, 200);
    for (const portal of portals) await warmUp(landingUrl(portal));
    const one = await landing(portals[0], 200);
    const two = await Promise.all(portals.map((portal) => landing(portal, 100)));
    const together = two.reduce((sum, run) => sum + run.rps, 0);
    const failures = one.failures + two.reduce((sum, run) => sum + run.failures, 0);
    return [
      {
        name: 'Landing page over PostgreSQL, 2 instances against 1 (200 connections in all)',
        value: together,
        unit: 'req/s',
        baseline: one.rps,
        baselineName: '1 instance',
        ratio: together / one.rps,
        goal: `report (${CORES} cores shared with the load and PostgreSQL), no failures`,
        met: failures === 0,
        notes: { oneP99Ms: one.p99, twoP99Ms: Math.max(...two.map((run) => run.p99)), failures },
      },
    ];
  } finally {
    await Promise.all(portals.map((portal) => portal.stop()));
    await schema.drop();
  }
}

const FIGURES: Record<string, () => Promise<Figure[]>> = {
  sms: async () => [await smsDispatch()],
  nino: async () => [await ninoVerification()],
  http: httpThroughput,
  gatekeeper: async () => [await gatekeeperCost()],
  bytes: async () => {
    const portal = await startPortal({ BENCH_AUDIO_SECONDS: String(QUICK ? 20 * 60 : 60 * 60) });
    try {
      return await bytePath(portal);
    } finally {
      await portal.stop();
    }
  },
  phones: async () => {
    // An hour-long WAV: 115 MB, the size of a long assessment's original.
    const portal = await startPortal({ BENCH_AUDIO_SECONDS: String(60 * 60) });
    try {
      return [...(await thousandPhones(portal, bucketTarget())), await hundredDownloads(portal, bucketTarget())];
    } finally {
      await portal.stop();
    }
  },
  journey: async () => [await claimantJourney()],
  ingest,
  lookups: lookupScaling,
  scaling: postgresScaling,
};

/** Three significant figures at least: a quarter of a core is not "0.3 cores". */
const figureValue = (value: number) => (Math.abs(value) < 10 ? value.toFixed(3) : value.toFixed(1));

async function main() {
  const only = process.env.BENCH_ONLY?.split(',').map((name) => name.trim());
  const figures: Figure[] = [];
  try {
    for (const [name, run] of Object.entries(FIGURES)) {
      if (only && !only.includes(name)) continue;
      const started = performance.now();
      const loadBefore = loadAverage();
      const measured = await run();
      for (const figure of measured) figure.load ??= [loadBefore, loadAverage()];
      figures.push(...measured);
      console.error(`bench: ${name} done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    await stopBucket();
  }
  console.table(
    figures.map((f) => ({
      benchmark: f.name,
      measured: `${figureValue(f.value)} ${f.unit}`,
      baseline: `${figureValue(f.baseline)} ${f.unit} (${f.baselineName})`,
      ratio: f.ratio.toFixed(3),
      goal: f.goal,
      load: f.load ? `${f.load[0].toFixed(1)}-${f.load[1].toFixed(1)}` : '',
      met: f.met ? 'yes' : 'NO',
    })),
  );
  for (const f of figures) if (f.notes) console.log(`${f.name}: ${Object.entries(f.notes).map(([k, v]) => `${k} ${Number.isInteger(v) ? v : figureValue(v)}`).join(', ')}`);
  mkdirSync('bench-results', { recursive: true });
  writeFileSync('bench-results/latest.json', `${JSON.stringify({ at: new Date().toISOString(), node: process.version, cores: CORES, profile: PROFILE, figures }, null, 2)}\n`);
  console.log('Written to bench-results/latest.json');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
