import type { PortalDeps } from '../deps';
import { claimantTokens } from '../security/claimantTokens';
import { fieldCipher } from '../security/fieldCipher';
import { ninoHasher } from '../security/ninoHasher';
import { gatekeeper } from './gatekeeper';
import { sendLink, type SendLinkInput } from './links';
import { registerRecording, type NewRecordingInput } from './recordings';

/** Wires the portal's services from its dependencies, in one place, by hand. */
export function portalServices(deps: PortalDeps) {
  const { secrets } = deps.config;
  const cipher = fieldCipher(secrets.fieldKeys);
  const hasher = ninoHasher(secrets.ninoPepper, secrets.ninoIndexKey);
  const tokens = claimantTokens(secrets.sessionKey, deps.config.claimantSessionTtlMs, deps.config.downloadGrantTtlMs);
  return {
    gatekeeper: gatekeeper({ ...deps, ninoHasher: hasher, tokens }),
    registerRecording: (input: NewRecordingInput) => registerRecording({ ...deps, ninoHasher: hasher, cipher }, input),
    sendLink: (input: SendLinkInput) => sendLink({ ...deps, cipher }, input),
  };
}

export type PortalServices = ReturnType<typeof portalServices>;
