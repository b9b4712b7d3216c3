import type { PortalDeps } from '../deps';
import { timed, type PortalMetrics } from '../observability/metrics';
import { smsDispatcher } from '../sms/dispatcher';
import { claimantTokens } from '../security/claimantTokens';
import { downloadTickets } from '../security/downloadTickets';
import { fieldCipher } from '../security/fieldCipher';
import { manifestSigner } from '../security/manifestSigner';
import { ninoHasher, type NinoHasher } from '../security/ninoHasher';
import { gatekeeper } from './gatekeeper';
import { listeningCopies } from './listeningCopies';
import { sendLink, type SendLinkInput } from './links';
import { registerRecording, type NewRecordingInput } from './recordings';
import { transcripts } from './transcripts';

/** NINO hashing with its time measured: argon2 is the portal's main cost per request. */
function measuredHasher(hasher: NinoHasher, metrics: PortalMetrics): NinoHasher {
  return {
    hash: (nino) => timed(metrics.argon2Seconds, 'hash', () => hasher.hash(nino)),
    verify: (storedHash, nino) => timed(metrics.argon2Seconds, 'verify', () => hasher.verify(storedHash, nino)),
    blindIndex: hasher.blindIndex,
  };
}

/** Wires the portal's services from its dependencies, in one place, by hand. */
export function portalServices(deps: PortalDeps) {
  const { secrets } = deps.config;
  const cipher = fieldCipher(secrets.fieldKeys);
  const hasher = measuredHasher(ninoHasher(secrets.ninoPepper, secrets.ninoIndexKey), deps.metrics);
  const manifests = manifestSigner(secrets.manifestKeys);
  const dispatcher = smsDispatcher({ ...deps, sender: deps.sms, cipher, maxAttempts: deps.config.sms.maxAttempts, maxPerSecond: deps.config.sms.maxPerSecond });
  const tokens = claimantTokens(secrets.sessionKey, deps.config.claimantSessionTtlMs);
  const tickets = downloadTickets(secrets.sessionKey, { startTtlMs: deps.config.presignTtlSeconds * 1000, resumeWindowMs: deps.config.downloadResumeWindowMs });
  const copies = listeningCopies({ ...deps, manifests });
  return {
    gatekeeper: gatekeeper({ ...deps, ninoHasher: hasher, tokens, tickets }),
    /** Registers a recording; where the job runs (the portal), its listening copy is started at once. */
    registerRecording: async (input: NewRecordingInput) => {
      const registered = await registerRecording({ ...deps, ninoHasher: hasher, cipher, manifests }, input);
      copies.kick();
      return registered;
    },
    listeningCopies: copies,
    transcripts: transcripts({ ...deps, manifests }),
    manifests,
    /** Queues the link's text message; the dispatcher sends it straight away and retries if it must. */
    sendLink: async (input: SendLinkInput) => {
      const sent = await sendLink({ ...deps, cipher }, input);
      dispatcher.kick();
      return sent;
    },
    dispatcher,
  };
}

export type PortalServices = ReturnType<typeof portalServices>;
