import { dependencyFailure } from '../errors';
import { backgroundJob } from '../backgroundJob';
import { retentionSweep } from './retention';

/**
 * The scheduled retention sweep as a background job, not yet started. Every instance tries; the lease
 * in the database lets one sweep at a time. The first sweep comes one interval after the start, as
 * each one after it; a kick sweeps now.
 */
export function retentionSweepJob(deps: Parameters<typeof retentionSweep>[0]) {
  const job = backgroundJob(
    () =>
      retentionSweep(deps, { dryRun: false, actor: 'scheduled-sweep' }).then(
        () => undefined,
        (error: Error) => deps.logger.error({ err: dependencyFailure(error) }, 'retention sweep failed'),
      ),
    { kicksBeforeStart: true },
  );
  let timer: NodeJS.Timeout | undefined;
  return {
    kick: job.kick,
    settled: job.settled,
    start(intervalMs: number) {
      timer ??= setInterval(job.kick, intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await job.settled();
    },
  };
}

export type RetentionSweepJob = ReturnType<typeof retentionSweepJob>;
