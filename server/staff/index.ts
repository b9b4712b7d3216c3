import type { PortalDeps } from '../deps';
import type { PortalServices } from '../services';
import { staffAccounts } from './staffAccounts';
import { staffConsole } from './staffConsole';
import { staffRoutes } from './staffRoutes';
import { sharedStore } from '../middleware/rateLimits';

/** Wires the staff console from the portal's dependencies and services, by hand. */
export function staffServices(deps: PortalDeps, services: Pick<PortalServices, 'sendLink' | 'transcripts'>) {
  return {
    accounts: staffAccounts(deps),
    console: staffConsole({ ...deps, sendLink: services.sendLink, transcripts: services.transcripts }),
  };
}

export type StaffServices = ReturnType<typeof staffServices>;

/** The /staff router, for app.ts, over the staff services the composition root built. */
export function staffConsoleRoutes(deps: Pick<PortalDeps, 'config' | 'redis'>, staff: StaffServices) {
  return staffRoutes(staff.accounts, staff.console, deps.config.secrets.sessionKey, sharedStore(deps.redis, `${deps.config.redisKeyPrefix}rate:staff-sign-in:`));
}
