/**
 * The figures of `npm run bench` that follow a claimant with a real-length recording: many phones
 * listening at once through the portal, and the whole journey's CPU against the argon2 check it
 * cannot do without.
 */
import argon2 from 'argon2';
import autocannon from 'autocannon';
import { LISTEN_SLICE_BYTES } from '../server/routes/claimant';
import { cpuMicros, LOAD_SECONDS, QUICK, startPortal, type Figure, type Target } from './benchHarness';

const LISTENERS = 100;

interface Stream {
  megabytesPerSecond: number;
  responses: number;
  failures: number;
}

async function stream(options: autocannon.Options): Promise<Stream> {
  const result = await autocannon({ connections: LISTENERS, duration: LOAD_SECONDS, ...options });
  const seconds = (result.finish.getTime() - result.start.getTime()) / 1000;
  const statuses = result.statusCodeStats as unknown as Record<string, { count: number }>;
  const partial = statuses?.['206']?.count ?? 0;
  return { megabytesPerSecond: result.throughput.total / seconds / 1e6, responses: partial, failures: result.requests.total - partial + result.errors + result.timeouts };
}

/**
 * 100 listeners streaming a 20-minute recording through `/r/<token>/listen` (each response one
 * slice), against 100 reading the same slices of the same object straight from the bucket with a
 * presigned URL. Run alternately, twice each, so both see the same machine.
 */
export async function listening(): Promise<Figure[]> {
  const portal = await startPortal({ BENCH_AUDIO_SECONDS: String(QUICK ? 5 * 60 : 20 * 60) });
  try {
    const throughPortal: autocannon.Options = {
      url: `http://127.0.0.1:${portal.port}${portal.info.path}/listen`,
      headers: { cookie: portal.info.cookie, range: 'bytes=0-' },
    };
    const fromBucket: autocannon.Options = { url: await portal.bucketUrl(), headers: { range: `bytes=0-${LISTEN_SLICE_BYTES - 1}` } };
    await stream({ ...throughPortal, duration: 2 });
    const direct: Stream[] = [];
    const portalRuns: Stream[] = [];
    let portalCpuUs = 0;
    for (let round = 0; round < 2; round++) {
      direct.push(await stream(fromBucket));
      const cpuBefore = cpuMicros(portal.child.pid!);
      portalRuns.push(await stream(throughPortal));
      portalCpuUs += cpuMicros(portal.child.pid!) - cpuBefore;
    }
    const mean = (runs: Stream[]) => runs.reduce((sum, run) => sum + run.megabytesPerSecond, 0) / runs.length;
    const portalRate = mean(portalRuns);
    const bucketRate = mean(direct);
    const megabytes = portalRuns.reduce((sum, run) => sum + run.megabytesPerSecond, 0) * LOAD_SECONDS;
    const failures = [...direct, ...portalRuns].reduce((sum, run) => sum + run.failures, 0);
    const peak = portal.peakRssMb();
    return [
      {
        name: `Listening, ${LISTENERS} players through the portal (4 MiB slices)`,
        value: portalRate,
        unit: 'MB/s',
        baseline: bucketRate,
        baselineName: `${LISTENERS} readers straight from the bucket`,
        ratio: portalRate / bucketRate,
        goal: '>= 0.90, no failures',
        met: portalRate / bucketRate >= 0.9 && failures === 0,
        notes: { portalCpuMsPerMB: portalCpuUs / 1000 / megabytes, slices: portalRuns.reduce((sum, run) => sum + run.responses, 0), failures },
      },
      {
        name: 'Peak RSS of the portal after the listening load',
        value: peak,
        unit: 'MB',
        baseline: 250,
        baselineName: 'the goal',
        ratio: peak / 250,
        goal: '< 250 MB',
        met: peak < 250,
      },
    ];
  } finally {
    await portal.stop();
  }
}

/** Open the link, confirm the NINO, open the recording, start listening, download: as a phone does, in order. */
async function journey(portal: Target): Promise<void> {
  const origin = `http://127.0.0.1:${portal.port}`;
  const path = portal.info.path;
  const expect = (response: Response, status: number, step: string) => {
    if (response.status !== status) throw new Error(`journey: ${step} answered ${response.status}`);
    return response;
  };
  await expect(await fetch(`${origin}${path}`), 200, 'landing page').arrayBuffer();
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  const signIn = expect(await fetch(`${origin}${path}`, { method: 'POST', redirect: 'manual', headers: form, body: `nino=${encodeURIComponent(portal.info.nino)}` }), 303, 'NINO');
  const cookie = signIn.headers.getSetCookie()[0].split(';')[0];
  const page = await expect(await fetch(`${origin}${path}`, { headers: { cookie } }), 200, 'recording page').text();
  const grant = /name="grant" value="([^"]+)"/.exec(page)![1];
  await expect(await fetch(`${origin}${path}/listen`, { headers: { cookie, range: 'bytes=0-65535' } }), 206, 'listen').arrayBuffer();
  const pressed = expect(await fetch(`${origin}${path}/download`, { method: 'POST', redirect: 'manual', headers: { ...form, cookie }, body: `grant=${encodeURIComponent(grant)}` }), 303, 'download button');
  await expect(await fetch(`${origin}${pressed.headers.get('location')}`), 200, 'download').arrayBuffer();
}

/** CPU time of one argon2id verify with the portal's parameters (server/security/ninoHasher.ts), in µs. */
async function argon2VerifyCpuUs(): Promise<number> {
  const secret = Buffer.alloc(32, 1);
  const hash = await argon2.hash('AB123456C', { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1, secret });
  for (let i = 0; i < 5; i++) await argon2.verify(hash, 'AB123456C', { secret });
  const verifies = QUICK ? 20 : 60;
  const before = process.cpuUsage();
  for (let i = 0; i < verifies; i++) await argon2.verify(hash, 'AB123456C', { secret });
  const used = process.cpuUsage(before);
  return (used.user + used.system) / verifies;
}

/**
 * The portal's CPU for one whole claimant journey (six requests, the download a 6-second file),
 * against its floor: the one argon2id verify the NINO step must make.
 */
export async function claimantJourney(): Promise<Figure> {
  const portal = await startPortal();
  try {
    // Several claimants at once, as on a live service: the process's own background work (timers, the
    // log's writes) is shared out over many journeys rather than charged to each of a few. Fewer than
    // MAX_NINO_ATTEMPTS, since they share one link and a link weighs at most that many NINOs at once.
    const claimants = 4;
    const journeys = QUICK ? 64 : 240;
    const run = (count: number) => Promise.all(Array.from({ length: claimants }, async () => {
      for (let i = 0; i < count / claimants; i++) await journey(portal);
    }));
    await run(claimants * 2);
    const before = cpuMicros(portal.child.pid!);
    await run(journeys);
    const perJourney = (cpuMicros(portal.child.pid!) - before) / journeys;
    const floor = await argon2VerifyCpuUs();
    return {
      name: 'Claimant journey, CPU of the portal (landing, NINO, page, listen, download)',
      value: perJourney,
      unit: 'µs',
      baseline: floor,
      baselineName: 'one argon2id verify, same parameters',
      ratio: perJourney / floor,
      goal: '<= 1.10',
      met: perJourney / floor <= 1.1,
      notes: { journeys, claimantsAtOnce: claimants, beyondArgon2Us: perJourney - floor },
    };
  } finally {
    await portal.stop();
  }
}
