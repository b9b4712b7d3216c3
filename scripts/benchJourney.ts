/**
 * The claimant journey figure of `npm run bench`: the whole journey's CPU against the argon2 check it
 * cannot do without.
 */
import argon2 from 'argon2';
import { cpuMicros, QUICK, startPortal, type Figure, type Target } from './benchHarness';

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
