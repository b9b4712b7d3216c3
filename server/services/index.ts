import type { PortalDeps } from '../deps';
import { timed, type PortalMetrics } from '../observability/metrics';
import type { SmsSender } from '../sms/smsSender';
import { claimantTokens } from '../security/claimantTokens';
import { fieldCipher } from '../security/fieldCipher';
import { ninoHasher, type NinoHasher } from '../security/ninoHasher';
import { gatekeeper } from './gatekeeper';
import { sendLink, type SendLinkInput } from './links';
import { registerRecording, type NewRecordingInput } from './recordings';

/** NINO hashing with its time measured: argon2 is the portal's main cost per request. */
function measuredHasher(hasher: NinoHasher, metrics: PortalMetrics): NinoHasher {
  return {
    hash: (nino) => timed(metrics.argon2Seconds, 'hash', () => hasher.hash(nino)),
    verify: (storedHash, nino) => timed(metrics.argon2Seconds, 'verify', () => hasher.verify(storedHash, nino)),
    blindIndex: hasher.blindIndex,
  };
}

function countedSender(sender: SmsSender, metrics: PortalMetrics): SmsSender {
  return {
    async send(message, now) {
      try {
        await sender.send(message, now);
        metrics.smsMessages.inc({ status: 'sent' });
      } catch (error) {
        metrics.smsMessages.inc({ status: 'failed' });
        throw error;
      }
    },
  };
}

/** Wires the portal's services from its dependencies, in one place, by hand. */
export function portalServices(deps: PortalDeps) {
  const { secrets } = deps.config;
  const cipher = fieldCipher(secrets.fieldKeys);
  const hasher = measuredHasher(ninoHasher(secrets.ninoPepper, secrets.ninoIndexKey), deps.metrics);
  const sms = countedSender(deps.sms, deps.metrics);
  const tokens = claimantTokens(secrets.sessionKey, deps.config.claimantSessionTtlMs, deps.config.downloadGrantTtlMs);
  return {
    gatekeeper: gatekeeper({ ...deps, ninoHasher: hasher, tokens }),
    registerRecording: (input: NewRecordingInput) => registerRecording({ ...deps, ninoHasher: hasher, cipher }, input),
    sendLink: (input: SendLinkInput) => sendLink({ ...deps, sms, cipher }, input),
  };
}

export type PortalServices = ReturnType<typeof portalServices>;
