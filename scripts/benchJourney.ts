/**
 * The claimant journey figure of `npm run bench`: the whole journey's CPU against the argon2 check it
 * cannot do without.
 */
import argon2 from 'argon2';
import { cpuMicros, QUICK, startPortal, startTarget, type Figure, type Target } from './benchHarness';

/** One journey's steps, in order, each a request as a phone makes it; `state` carries the cookie, grant and ticket on. */
const STEPS: Array<{ name: string; run: (portal: Target, state: Record<string, string>) => Promise<number> }> = [
  { name: 'landing', run: (portal) => ask(portal, portal.info.path, {}, 200) },
  {
    name: 'nino',
    run: async (portal, state) => {
      const response = await fetch(`http://127.0.0.1:${portal.port}${portal.info.path}`, { method: 'POST', redirect: 'manual', headers: FORM, body: `nino=${encodeURIComponent(portal.info.nino)}` });
      if (response.status !== 303) throw new Error(`journey: NINO answered ${response.status}`);
      state.cookie = response.headers.getSetCookie()[0].split(';')[0];
      return (await response.arrayBuffer()).byteLength;
    },
  },
  {
    name: 'page',
    run: async (portal, state) => {
      const response = await fetch(`http://127.0.0.1:${portal.port}${portal.info.path}`, { headers: { cookie: state.cookie } });
      const page = await response.text();
      if (response.status !== 200) throw new Error(`journey: recording page answered ${response.status}`);
      state.grant = /name="grant" value="([^"]+)"/.exec(page)![1];
      return Buffer.byteLength(page);
    },
  },
  { name: 'listen', run: (portal, state) => ask(portal, `${portal.info.path}/listen`, { cookie: state.cookie, range: 'bytes=0-65535' }, 206) },
  {
    name: 'button',
    run: async (portal, state) => {
      const response = await fetch(`http://127.0.0.1:${portal.port}${portal.info.path}/download`, { method: 'POST', redirect: 'manual', headers: { ...FORM, cookie: state.cookie }, body: `grant=${encodeURIComponent(state.grant)}` });
      if (response.status !== 303) throw new Error(`journey: download button answered ${response.status}`);
      state.file = response.headers.get('location')!;
      return (await response.arrayBuffer()).byteLength;
    },
  },
  { name: 'file', run: (portal, state) => ask(portal, state.file, {}, 200) },
];

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

/** A GET, read to its end; resolves with the body's size. */
async function ask(portal: Target, path: string, headers: Record<string, string>, status: number): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${portal.port}${path}`, { headers });
  const body = await response.arrayBuffer();
  if (response.status !== status) throw new Error(`journey: ${path} answered ${response.status}`);
  return body.byteLength;
}

/** Open the link, confirm the NINO, open the recording, start listening, download: as a phone does, in order. */
async function journey(portal: Target): Promise<number> {
  const state: Record<string, string> = {};
  let bytes = 0;
  for (const step of STEPS) bytes += await step.run(portal, state);
  return bytes;
}

/**
 * Each step's CPU on its own: step by step, `count` journeys' worth of that step, `atOnce` claimants
 * at a time as the journeys run, the portal's CPU read around each step's requests alone (µs a
 * request); and what the process spends with no request at all, per second.
 */
async function stepCosts(portal: Target, count: number, atOnce: number): Promise<Record<string, number>> {
  const states = Array.from({ length: count }, () => ({}) as Record<string, string>);
  const costs: Record<string, number> = {};
  for (const step of STEPS) {
    const before = cpuMicros(portal.child.pid!);
    await Promise.all(Array.from({ length: atOnce }, async (_, lane) => {
      for (let i = lane; i < count; i += atOnce) await step.run(portal, states[i]);
    }));
    costs[`${step.name}Us`] = (cpuMicros(portal.child.pid!) - before) / count;
  }
  const idleBefore = cpuMicros(portal.child.pid!);
  await new Promise((resolve) => setTimeout(resolve, 3_000));
  costs.idleUsPerSecond = (cpuMicros(portal.child.pid!) - idleBefore) / 3;
  return costs;
}

/** CPU of one argon2id verify on the libuv pool in a process with the image's settings (µs), `atOnce` at a time. */
async function argon2InImageProcess(atOnce: number, count: number): Promise<number> {
  const target = await startTarget('argon2');
  try {
    const verify = () => new Promise<void>((resolve) => {
      target.child.once('message', () => resolve());
      target.child.send({ type: 'verify', count, atOnce });
    });
    await verify();
    const before = cpuMicros(target.child.pid!);
    await verify();
    return (cpuMicros(target.child.pid!) - before) / count;
  } finally {
    await target.stop();
  }
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
 * against its floor: the one argon2id verify the NINO step must make, measured in the bench and in a
 * process of the image's settings (alone, and four at once as the journeys run); then each step's
 * CPU alone, one claimant at a time, so the part beyond argon2 has names.
 */
export async function claimantJourney(): Promise<Figure> {
  const portal = await startPortal();
  try {
    // Several claimants at once, as on a live service: the process's own background work (timers, the
    // log's writes) is shared out over many journeys rather than charged to each of a few. Fewer than
    // MAX_NINO_ATTEMPTS, since they share one link and a link weighs at most that many NINOs at once.
    const claimants = 4;
    const journeys = QUICK ? 64 : 240;
    let bytes = 0;
    const run = (count: number) => Promise.all(Array.from({ length: claimants }, async () => {
      for (let i = 0; i < count / claimants; i++) bytes = await journey(portal);
    }));
    await run(claimants * 2);
    const before = cpuMicros(portal.child.pid!);
    const started = performance.now();
    await run(journeys);
    const perJourney = (cpuMicros(portal.child.pid!) - before) / journeys;
    const journeysPerSecond = journeys / ((performance.now() - started) / 1000);
    const steps = await stepCosts(portal, QUICK ? 48 : 160, claimants);
    const floor = await argon2VerifyCpuUs();
    const verifies = QUICK ? 16 : 48;
    const inImage = await argon2InImageProcess(1, verifies);
    const inImageAtOnce = await argon2InImageProcess(claimants, verifies);
    // The file's own part: its step's CPU beyond a 64 KiB listening slice, per MB it moved.
    const megabytes = bytes / 1e6;
    return {
      name: `Claimant journey, CPU of the portal (landing, NINO, page, listen, download of a ${(Number(portal.info.sizeBytes) / 1e6).toFixed(2)} MB file)`,
      value: perJourney,
      unit: 'µs',
      baseline: floor,
      baselineName: 'one argon2id verify, same parameters, in the bench',
      ratio: perJourney / floor,
      goal: '<= 1.10',
      met: perJourney / floor <= 1.1,
      notes: {
        journeys,
        journeysPerSecond,
        claimantsAtOnce: claimants,
        megabytesMoved: megabytes,
        beyondArgon2Us: perJourney - floor,
        argon2InImageProcessUs: inImage,
        argon2InImageProcess4AtOnceUs: inImageAtOnce,
        ratioToArgon2InImage4AtOnce: perJourney / inImageAtOnce,
        ...steps,
        stepsSumUs: Object.values(steps).reduce((a, b) => a + b, 0),
      },
    };
  } finally {
    await portal.stop();
  }
}
