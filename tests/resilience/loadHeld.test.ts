import { startTestPortal, type TestPortal } from '../support/testPortal';
import { productionEnv } from '../support/loopback';
import { runMixedLoad } from '../support/mixedLoad';

/**
 * Load held: 20 seconds of mixed traffic (landing pages, NINO checks, downloads, staff searches) at a
 * fixed rate against one instance in its production configuration. Zero errors, every kind answered, and
 * the heap no larger at the end than at the start beyond a bound. The 5-minute version is `npm run soak`.
 */
const SECONDS = Number(process.env.LOAD_TEST_SECONDS ?? 20);
const RATE = Number(process.env.LOAD_TEST_RATE ?? 40);

let portal: TestPortal;
beforeAll(async () => {
  // Per-address limits would (rightly) refuse one address sending this much; traffic here stands for many claimants.
  portal = await startTestPortal(productionEnv({ RATE_LIMIT_PAGES_PER_MIN: '1000000', RATE_LIMIT_NINO_PER_15_MIN: '100000' }));
});
afterAll(async () => {
  await portal.close();
});

test(`${SECONDS} s of mixed traffic at ${RATE} requests a second: no errors, every kind answered, memory bounded`, async () => {
  // At most 8 steps at once (at this rate one or two are under way on a quiet machine). With no bound, a machine
  // busy with other work (CI runs two suites side by side on 2 cores) let 80 pile up, each waited seconds for
  // its turn, and the download's 3-second check of the bucket (served by this same process) timed out: 503s
  // that said how busy the machine was, not what the portal does. `npm run soak` keeps the open loop.
  const report = await runMixedLoad(portal, { seconds: SECONDS, ratePerSecond: RATE, maxInFlight: 8 });
  if (report.errors || process.env.LOAD_TEST_REPORT) console.log(JSON.stringify(report, null, 2));
  expect(report.errorSamples).toEqual([]);
  expect(report.errors).toBe(0);
  // Whether the rate was kept is the machine's speed as much as the portal's: `npm run soak` fails
  // below 90% of it; here (two steps that could not start on time at a load of 20) it is reported only.
  if (report.lagging || report.achievedRate < RATE * 0.9) console.log(`rate ${report.achievedRate}/s of ${RATE}/s; ${report.lagging} steps could not start on time`);
  for (const kind of Object.values(report.byKind)) expect(kind.requests).toBeGreaterThan(0);
  // Growth of the live heap (after a full collection) from the end of the warm-up to the end of the run.
  expect(report.memory.heapGrowthMb).toBeLessThan(32);
  // Resident memory may not climb far either. Only its growth is bounded: Jest's worker holds whatever earlier
  // test files left, so its absolute size says little (npm run bench measures the portal's own peak RSS).
  expect(report.memory.rssPeakMb - report.memory.rssStartMb).toBeLessThan(150);
}, (SECONDS + 60) * 1000);
