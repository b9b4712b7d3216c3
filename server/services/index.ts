import type { PortalDeps } from '../deps';
import { smsDispatcher } from '../sms/dispatcher';
import { claimantTokens } from '../security/claimantTokens';
import { downloadTickets } from '../security/downloadTickets';
import { gatekeeper } from './gatekeeper';
import { listeningCopies } from './listeningCopies';
import { sendLink, type SendLinkInput } from './links';
import { registerRecording, type NewRecordingInput } from './recordings';
import { transcripts } from './transcripts';

/** Wires the portal's services from its dependencies (stores, cipher, hasher: built once, by openRuntime), by hand; openPortal calls it once. */
export function portalServices(deps: PortalDeps) {
  const { secrets } = deps.config;
  const dispatcher = smsDispatcher({ ...deps, sender: deps.sms, maxAttempts: deps.config.sms.maxAttempts, maxPerSecond: deps.config.sms.maxPerSecond });
  const tokens = claimantTokens(secrets.sessionKey, deps.config.claimantSessionTtlMs);
  const tickets = downloadTickets(secrets.sessionKey, { startTtlMs: deps.config.presignTtlSeconds * 1000, resumeWindowMs: deps.config.downloadResumeWindowMs });
  const copies = listeningCopies(deps);
  return {
    gatekeeper: gatekeeper({ ...deps, tokens, tickets }),
    /** Registers a recording; where the job runs (the portal), its listening copy is started at once. */
    registerRecording: async (input: NewRecordingInput) => {
      const registered = await registerRecording(deps, input);
      copies.kick();
      return registered;
    },
    listeningCopies: copies,
    transcripts: transcripts(deps),
    manifests: deps.manifests,
    /** Queues the link's text message; the dispatcher sends it straight away and retries if it must. */
    sendLink: async (input: SendLinkInput) => {
      const sent = await sendLink(deps, input);
      dispatcher.kick();
      return sent;
    },
    dispatcher,
  };
}

export type PortalServices = ReturnType<typeof portalServices>;
