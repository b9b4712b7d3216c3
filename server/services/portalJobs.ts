import type { Config } from '../config';
import type { PortalDeps } from '../deps';
import type { PortalServices } from '.';
import { multipartSweepJob } from './multipartSweep';
import { retentionSweepJob } from './retentionJob';

/** How often an instance looks for listening copies to make besides those its own uploads start. */
export const LISTENING_COPY_INTERVAL_MS = 60_000;

/**
 * The portal's background jobs, built but not started: the process that serves starts them (main), a
 * test kicks or runs them when it wants them. The dispatcher and the listening copies are the
 * services' own, which kick them when work arrives.
 */
export function portalJobs(deps: PortalDeps, services: Pick<PortalServices, 'dispatcher' | 'listeningCopies'>) {
  return {
    dispatcher: services.dispatcher,
    listeningCopies: services.listeningCopies,
    multipartSweep: multipartSweepJob(deps),
    retentionSweep: retentionSweepJob(deps),
  };
}

export type PortalJobs = ReturnType<typeof portalJobs>;

/** Each job at its interval; the listening copies also pick up recordings registered by the CLI or another instance, and copies left by one that stopped. */
export function startJobs(jobs: PortalJobs, config: Config): void {
  jobs.dispatcher.start(config.sms.dispatchIntervalMs);
  jobs.listeningCopies.start(LISTENING_COPY_INTERVAL_MS);
  jobs.multipartSweep.start(config.multipartSweep.intervalMs);
  jobs.retentionSweep.start(config.retentionSweepIntervalMs);
}

/** Stops every job's interval and waits for the runs under way (ffmpeg is stopped rather than waited for). */
export async function stopJobs(jobs: PortalJobs): Promise<void> {
  await Promise.all(Object.values(jobs).map((job) => job.stop()));
}

/** Resolves once every job's runs started so far have finished. */
export async function jobsSettled(jobs: PortalJobs): Promise<void> {
  await Promise.all(Object.values(jobs).map((job) => job.settled()));
}
