/**
 * `npm run soak`: the load-held test for longer (default 5 minutes). Mixed traffic at a fixed rate
 * (landing pages, NINO checks, downloads, staff searches) against one portal instance in its
 * production configuration on a temporary DATA_DIR (SQLite, embedded S3, outbox), over loopback.
 *
 *   SOAK_SECONDS=300 SOAK_RATE=40 npm run soak
 *
 * Prints progress every 10 s and a JSON report; exits 1 on any error, a missed rate, or heap growth
 * beyond SOAK_MAX_HEAP_GROWTH_MB (default 64): the live heap after a full collection, at the
 * end of the warm-up and at the end of the run.
 */
import { productionEnv } from '../tests/support/loopback';
import { runMixedLoad } from '../tests/support/mixedLoad';
import { startTestPortal } from '../tests/support/testPortal';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

async function main() {
  const seconds = Number(process.env.SOAK_SECONDS ?? 300);
  const rate = Number(process.env.SOAK_RATE ?? 40);
  const maxHeapGrowthMb = Number(process.env.SOAK_MAX_HEAP_GROWTH_MB ?? 64);
  const portal = await startTestPortal(productionEnv({ RATE_LIMIT_PAGES_PER_MIN: '1000000', RATE_LIMIT_NINO_PER_15_MIN: '100000' }));
  try {
    console.error(`soak: ${seconds} s at ${rate} requests/s against one instance (${process.version}, DATA_DIR ${portal.dataDir})`);
    const report = await runMixedLoad(portal, { seconds, ratePerSecond: rate, warmupSeconds: Math.min(30, seconds / 6), onProgress: (line) => console.error(`soak: ${line}`) });
    const problems = [
      report.errors > 0 && `${report.errors} errors`,
      report.lagging > 0 && `${report.lagging} requests could not start on time`,
      report.achievedRate < rate * 0.9 && `rate ${report.achievedRate}/s is below 90% of ${rate}/s`,
      report.memory.heapGrowthMb > maxHeapGrowthMb && `heap grew ${report.memory.heapGrowthMb} MB (bound ${maxHeapGrowthMb} MB)`,
    ].filter(Boolean);
    console.log(JSON.stringify({ ...report, passed: problems.length === 0, problems }, null, 2));
    process.exitCode = problems.length ? 1 : 0;
  } finally {
    await portal.close();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
