import type { Config } from './config';
import type { PortalDeps } from './deps';
import { providerServices } from './services/providers';
import { openRuntime, type RuntimeOptions } from './runtime';
import { portalServices } from './services';
import { jobsSettled, portalJobs, startJobs, stopJobs } from './services/portalJobs';
import { staffServices } from './services/staff';

/**
 * Every service of the portal, each built once from its dependencies: the claimants' (with the
 * jobs they kick), the staff console's and the providers'. openPortal wires them over what it opens;
 * a test that swaps one dependency (an unreachable bucket) wires a portal of its own with this.
 */
export function wirePortal(deps: PortalDeps) {
  const services = portalServices(deps);
  const jobs = portalJobs(deps, services);
  return {
    deps,
    services,
    staff: staffServices(deps, services),
    providers: providerServices(deps, services),
    jobs,
    /** Resolves once every job's runs started so far (a text message the dispatcher was kicked for) have finished. */
    settled: () => jobsSettled(jobs),
  };
}

export type WiredPortal = ReturnType<typeof wirePortal>;

export interface Portal extends WiredPortal {
  /** The database handle itself, for tests to inspect rows: the portal reaches it only through deps' stores. */
  db: Awaited<ReturnType<typeof openRuntime>>['db'];
  /** Starts each background job at its interval: the process that serves does, a test or the CLI does not. */
  startJobs(): void;
  /** Stops the jobs, waiting for runs under way, then closes the database, the object store and Redis. */
  close(): Promise<void>;
}

/**
 * The composition root: opens what the configuration names (database, object store, Redis, SMS
 * provider) and wires every service over it, once. main, the operator CLI, the test portal, the
 * bench and the soak all start here.
 */
export async function openPortal(config: Config, options: RuntimeOptions = {}): Promise<Portal> {
  const runtime = await openRuntime(config, options);
  const wired = wirePortal(runtime.deps);
  return {
    ...wired,
    db: runtime.db,
    startJobs: () => startJobs(wired.jobs, config),
    async close() {
      await stopJobs(wired.jobs);
      await runtime.close();
    },
  };
}
