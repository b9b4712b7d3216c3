import type { PortalDeps } from '../../deps';
import type { PortalServices } from '..';
import { staffAccounts } from './staffAccounts';
import { staffConsole } from './staffConsole';

/** Wires the staff console's services from the portal's dependencies and services, by hand (for openPortal). */
export function staffServices(deps: PortalDeps, services: Pick<PortalServices, 'sendLink' | 'transcripts'>) {
  return {
    accounts: staffAccounts(deps),
    console: staffConsole({ ...deps, sendLink: services.sendLink, transcripts: services.transcripts }),
  };
}

export type StaffServices = ReturnType<typeof staffServices>;
