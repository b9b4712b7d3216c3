import v8 from 'node:v8';
import vm from 'node:vm';
import { CLAIMANT, type TestPortal } from './testPortal';
import { signedInStaff } from './staffBrowser';
import { listenOnLoopback, type Loopback, type RawAnswer } from './loopback';

/**
 * Open-loop mixed traffic at a fixed rate against one portal instance: requests start on schedule
 * whether or not earlier ones have finished, as real claimants' do. Shared by the 30-second test in
 * `npm test` (tests/resilience/loadHeld.test.ts) and the long `npm run soak` (scripts/soak.ts).
 */

export interface MixedLoadOptions {
  seconds: number;
  /** Requests started per second (a download is two: the page with its grant, then the POST). */
  ratePerSecond: number;
  /** Recordings, each with its own link, the traffic is spread over. */
  recordings?: number;
  /** Memory is sampled this often. The heap is measured after a full collection at the end of `warmupSeconds` and again at the end. */
  sampleEveryMs?: number;
  warmupSeconds?: number;
  /**
   * Steps under way at once, beyond which a due step is skipped (counted as lagging) rather than piled on.
   * Default: twice the rate (at least 50), so only a portal that stops answering is held back.
   */
  maxInFlight?: number;
  /** Called about once a second with progress, for the soak's console. */
  onProgress?: (line: string) => void;
}

type Kind = 'landing' | 'verify' | 'download' | 'staffSearch';

/** One journey step per slot, in a fixed repeating order: 50% landing, 10% NINO verify, 20% download, 20% staff search. */
const SCHEDULE: Kind[] = ['landing', 'download', 'landing', 'staffSearch', 'landing', 'verify', 'landing', 'download', 'landing', 'staffSearch'];

export interface MixedLoadReport {
  seconds: number;
  targetRate: number;
  achievedRate: number;
  requests: number;
  byKind: Record<Kind, { requests: number; errors: number; p50Ms: number; p99Ms: number }>;
  errors: number;
  errorSamples: string[];
  /** Steps that could not start on time because too many were still in flight. */
  lagging: number;
  /** heapStart/End: live heap after a full garbage collection, once warmed up and at the end; RSS as sampled. */
  memory: { rssStartMb: number; rssPeakMb: number; rssEndMb: number; heapStartMb: number; heapEndMb: number; heapGrowthMb: number };
}

/** A full garbage collection, so heap sizes compare live objects rather than when V8 last collected. */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
const percentile = (values: number[], p: number) => {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] * 10) / 10;
};
const median = (values: number[]) => percentile(values, 50);

export async function runMixedLoad(portal: TestPortal, options: MixedLoadOptions): Promise<MixedLoadReport> {
  const sampleEveryMs = options.sampleEveryMs ?? 250;
  const warmupSeconds = options.warmupSeconds ?? Math.min(5, options.seconds / 6);
  const http: Loopback = await listenOnLoopback(portal.app);
  try {
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const links: Array<{ path: string; recordingId: string; cookie: string }> = [];
    for (let i = 0; i < (options.recordings ?? 5); i++) {
      const { path, recordingId } = await portal.recordingWithLink(undefined, `LOAD-${i}-${Date.now().toString(36)}`);
      const verified = await http.send({ method: 'POST', path, headers: form, body: `nino=${encodeURIComponent(CLAIMANT.nino)}` });
      if (verified.status !== 303) throw new Error(`set-up: NINO check answered ${verified.status}`);
      links.push({ path, recordingId, cookie: verified.headers['set-cookie']![0].split(';')[0] });
    }
    const refs = await Promise.all(links.map(async (l) => (await portal.recordings.findRecording(l.recordingId))!.assessment_ref));
    const staff = await signedInStaff(portal, 'agent');
    await staff.browser.get('/staff/find');
    const staffCsrf = staff.browser.csrfToken()!;
    const staffCookie = staff.browser.cookieHeader();

    const latencies: Record<Kind, number[]> = { landing: [], verify: [], download: [], staffSearch: [] };
    const errors: Record<Kind, number> = { landing: 0, verify: 0, download: 0, staffSearch: 0 };
    const errorSamples: string[] = [];
    const fail = (kind: Kind, what: string) => {
      errors[kind]++;
      if (errorSamples.length < 20) errorSamples.push(`${kind}: ${what}`);
    };
    const expect = (kind: Kind, answer: RawAnswer, status: number) => {
      if (answer.status !== status) fail(kind, `status ${answer.status}, expected ${status}`);
      return answer.status === status;
    };

    async function step(kind: Kind, n: number): Promise<void> {
      const link = links[n % links.length];
      const started = performance.now();
      try {
        switch (kind) {
          case 'landing':
            expect(kind, await http.send({ path: link.path }), 200);
            break;
          case 'verify':
            expect(kind, await http.send({ method: 'POST', path: link.path, headers: form, body: `nino=${encodeURIComponent(CLAIMANT.nino)}` }), 303);
            break;
          case 'download': {
            const page = await http.send({ path: link.path, headers: { cookie: link.cookie } });
            const grant = /name="grant" value="([^"]+)"/.exec(page.text)?.[1];
            if (!expect(kind, page, 200) || !grant) break;
            expect(kind, await http.send({ method: 'POST', path: `${link.path}/download`, headers: { ...form, cookie: link.cookie }, body: `grant=${encodeURIComponent(grant)}` }), 303);
            break;
          }
          case 'staffSearch': {
            const answer = await http.send({ method: 'POST', path: '/staff/find', headers: { ...form, cookie: staffCookie }, body: `_csrf=${encodeURIComponent(staffCsrf)}&query=${encodeURIComponent(refs[n % refs.length])}` });
            if (expect(kind, answer, 200) && !answer.text.includes(refs[n % refs.length])) fail(kind, 'the recording was not found');
            break;
          }
        }
      } catch (error) {
        fail(kind, String(error));
      }
      latencies[kind].push(performance.now() - started);
    }

    const samples: Array<{ at: number; rss: number; heap: number }> = [];
    let heapAfterWarmup: number | undefined;
    const started = performance.now();
    const sampler = setInterval(() => {
      const at = (performance.now() - started) / 1000;
      if (heapAfterWarmup === undefined && at >= warmupSeconds) {
        collectGarbage();
        heapAfterWarmup = process.memoryUsage().heapUsed;
      }
      const usage = process.memoryUsage();
      samples.push({ at, rss: usage.rss, heap: usage.heapUsed });
      // The test harness keeps every log line and SQL statement; drop them so only the portal's memory is measured.
      portal.logLines.length = 0;
      portal.queries.length = 0;
    }, sampleEveryMs);

    const inFlight = new Set<Promise<void>>();
    const maxInFlight = options.maxInFlight ?? Math.max(50, options.ratePerSecond * 2);
    let launched = 0;
    let lagging = 0;
    let lastProgress = 0;
    const durationMs = options.seconds * 1000;
    while (performance.now() - started < durationMs) {
      const elapsed = performance.now() - started;
      const due = Math.floor((elapsed / 1000) * options.ratePerSecond);
      while (launched < due) {
        if (inFlight.size >= maxInFlight) {
          lagging += due - launched;
          launched = due;
          break;
        }
        const kind = SCHEDULE[launched % SCHEDULE.length];
        const promise: Promise<void> = step(kind, launched).finally(() => inFlight.delete(promise));
        inFlight.add(promise);
        launched++;
      }
      if (options.onProgress && elapsed - lastProgress >= 10_000) {
        lastProgress = elapsed;
        const usage = process.memoryUsage();
        options.onProgress(`${Math.round(elapsed / 1000)} s: ${launched} started, ${Object.values(errors).reduce((a, b) => a + b, 0)} errors, rss ${mb(usage.rss)} MB, heap ${mb(usage.heapUsed)} MB`);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await Promise.all(inFlight);
    const seconds = (performance.now() - started) / 1000;
    clearInterval(sampler);

    portal.logLines.length = 0;
    portal.queries.length = 0;
    collectGarbage();
    const heapEnd = process.memoryUsage().heapUsed;
    const heapStart = heapAfterWarmup ?? heapEnd;
    const measured = samples.filter((s) => s.at >= warmupSeconds);
    const window = Math.max(1, Math.floor(measured.length / 5));
    const requests = Object.values(latencies).reduce((a, l) => a + l.length, 0);
    const byKind = Object.fromEntries(
      (Object.keys(latencies) as Kind[]).map((kind) => [kind, { requests: latencies[kind].length, errors: errors[kind], p50Ms: percentile(latencies[kind], 50), p99Ms: percentile(latencies[kind], 99) }]),
    ) as MixedLoadReport['byKind'];
    return {
      seconds: Math.round(seconds * 10) / 10,
      targetRate: options.ratePerSecond,
      achievedRate: Math.round((requests / seconds) * 10) / 10,
      requests,
      byKind,
      errors: Object.values(errors).reduce((a, b) => a + b, 0),
      errorSamples,
      lagging,
      memory: {
        rssStartMb: mb(median(measured.slice(0, window).map((s) => s.rss))),
        rssPeakMb: mb(Math.max(...samples.map((s) => s.rss))),
        rssEndMb: mb(median(measured.slice(-window).map((s) => s.rss))),
        heapStartMb: mb(heapStart),
        heapEndMb: mb(heapEnd),
        heapGrowthMb: mb(heapEnd - heapStart),
      },
    };
  } finally {
    await http.close();
  }
}
