import type { PortalDeps } from '../../deps';
import type { PortalServices } from '..';
import { providerAccounts } from './providerAccounts';
import { providerRecordings } from './providerRecordings';

/** Wires the assessment providers' features from the portal's dependencies and services, by hand: the API and the CLI both use these. */
export function providerServices(deps: PortalDeps, services: Pick<PortalServices, 'registerRecording' | 'sendLink'>) {
  const { providers } = deps;
  return {
    accounts: providerAccounts({ ...deps, providers }),
    recordings: providerRecordings({ ...deps, providers, registerRecording: services.registerRecording, sendLink: services.sendLink }),
    /** Each provider's Idempotency-Keys, for the API's idempotency middleware. */
    idempotencyKeys: providers,
  };
}

export type ProviderServices = ReturnType<typeof providerServices>;
