import type { PortalDeps } from '../../deps';
import { sharedStore } from '../../middleware/rateLimits';
import type { StaffServices } from '../../services/staff';
import { staffRoutes } from './staffRoutes';

/** The /staff router, for app.ts, over the staff services openPortal built. */
export function staffConsoleRoutes(deps: Pick<PortalDeps, 'config' | 'redis'>, staff: StaffServices) {
  return staffRoutes(staff.accounts, staff.console, deps.config.secrets.sessionKey, sharedStore(deps.redis, `${deps.config.redisKeyPrefix}rate:staff-sign-in:`));
}
