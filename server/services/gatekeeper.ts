import { linkAccess, linkFacts, type AccessRules, type LinkAccess } from '../policy/accessWindow';
import { deviceType } from '../policy/deviceType';
import { verifyLinkToken } from '../policy/linkToken';
import { recordingAvailability } from '../policy/recordingAvailability';
import type { ClaimantSession } from '../security/claimantTokens';
import type { DownloadFile } from '../security/downloadTickets';
import type { RecordingRow } from '../store/recordingStore';
import { downloadFileName, listenFileAsked, listenSource, type AudioSource, type ListenFile } from './claimantAudio';
import { redeemGrant, ticketedDownload, ticketServes, type DownloadOutcome, type TicketOutcome } from './claimantDownloads';
import type { GatekeeperDeps, ResolvedLink } from './gatekeeperDeps';
import { checkNino, type NinoOutcome } from './ninoCheck';

export { hasListeningCopy, listenFileOffered, type AudioSource, type ListenFile } from './claimantAudio';
export type { DownloadOutcome, TicketOutcome } from './claimantDownloads';
export type { NinoOutcome } from './ninoCheck';
export type { GatekeeperDeps, ResolvedLink } from './gatekeeperDeps';

/** Whether a browser may hear a file of the recording now. */
export type ListenDecision =
  | { outcome: 'listen'; file: ListenFile; source: AudioSource }
  | { outcome: 'link-closed'; state: Exclude<LinkAccess['state'], 'open'> }
  | { outcome: 'session-ended' }
  /** The address names a file the recording does not have (a listening copy not made, or no such file). */
  | { outcome: 'no-such-file' };

/**
 * The claimant journey's decisions: which link a token names, whether its window is open, whether
 * the NINO matches, and whether a download may go ahead. Routes only translate these into pages.
 */
export interface Gatekeeper {
  /** The rules this gatekeeper applies, so pages can tell claimants how long things last. */
  rules: AccessRules;
  /** A forged, mangled or unknown token is refused here, before any database read. */
  resolve(token: string): Promise<ResolvedLink | undefined>;
  recordOpened(resolved: ResolvedLink, userAgent: string | undefined): Promise<void>;
  /** Weighs a NINO guess, under the link's attempt limit (an attempt is reserved before argon2 runs). */
  checkNino(resolved: ResolvedLink, input: unknown): Promise<NinoOutcome>;
  /** The session this browser holds for this link, if it holds a live one issued since the link's last unlock. */
  sessionFor(resolved: ResolvedLink, jwt: unknown): Promise<ClaimantSession | undefined>;
  issueGrant(session: ClaimantSession): Promise<string>;
  /** Ends the session on the server (and every other session of its link): a copy of its cookie opens nothing afterwards. */
  endSession(session: ClaimantSession): Promise<boolean>;
  /** Milliseconds until the session ends, by the portal's clock (the browser's may be wrong). */
  sessionTimeLeftMs(session: ClaimantSession): number;
  /**
   * A fresh session for the same link, for a claimant who asks for more time before theirs ends
   * (WCAG 2.2.1). Only a live session can be renewed, and the link's own window still applies.
   */
  renewSession(session: ClaimantSession): Promise<{ jwt: string; session: ClaimantSession }>;
  fileName(recording: RecordingRow): string;
  /**
   * Whether this browser may hear the file an address names (the one offered now when it names
   * none): the link open, a live session for it, the file there. Listening is not a download.
   */
  listening(resolved: ResolvedLink, jwt: unknown, fileInput: unknown): Promise<ListenDecision>;
  /**
   * The same rule asked again in the middle of an answer, the link looked up afresh: asked for every
   * range, and before every slice of an answer to a request without one.
   */
  stillListening(token: string, jwt: unknown, file: ListenFile): Promise<boolean>;
  /** Redeems a one-time grant for a ticket to download the file the form asks for. */
  download(resolved: ResolvedLink, session: ClaimantSession, grantJwt: unknown, userAgent: string | undefined, fileInput?: unknown): Promise<DownloadOutcome>;
  /** Serves the download a ticket names, or a resumption of it. */
  ticketedDownload(resolved: ResolvedLink, ticketJwt: unknown, request: { range: string | undefined; ifRange: string | undefined }): Promise<TicketOutcome>;
  /** Whether a transfer under way may go on, the link looked up afresh; asked before every slice. */
  downloadStillServes(token: string, file: DownloadFile): Promise<boolean>;
}

async function resolveLink(deps: Pick<GatekeeperDeps, 'config' | 'clock' | 'links'>, token: string): Promise<ResolvedLink | undefined> {
  const check = verifyLinkToken(token, deps.config.secrets.linkKeys);
  if (!check.ok) return undefined;
  const found = await deps.links.findLinkByTokenHash(check.tokenHash);
  if (!found) return undefined;
  const now = deps.clock();
  const { link, recording } = found;
  const access = linkAccess(linkFacts(link, recordingAvailability(recording, now).available), now, deps.config.access);
  return { link, recording, access };
}

async function recordOpened(deps: Pick<GatekeeperDeps, 'clock' | 'audit'>, resolved: ResolvedLink, userAgent: string | undefined): Promise<void> {
  await deps.audit.recordEvent(deps.clock(), {
    type: 'link.opened',
    actor: 'claimant',
    recordingId: resolved.recording.id,
    linkId: resolved.link.id,
    detail: { device: deviceType(userAgent) },
  });
}

async function sessionFor(deps: Pick<GatekeeperDeps, 'clock' | 'tokens'>, resolved: ResolvedLink, jwt: unknown): Promise<ClaimantSession | undefined> {
  const session = await deps.tokens.readSession(jwt, deps.clock());
  return session?.linkId === resolved.link.id && session.generation === resolved.link.session_generation ? session : undefined;
}

async function listening(deps: Pick<GatekeeperDeps, 'clock' | 'tokens'>, resolved: ResolvedLink, jwt: unknown, fileInput: unknown): Promise<ListenDecision> {
  if (resolved.access.state !== 'open') return { outcome: 'link-closed', state: resolved.access.state };
  if (!(await sessionFor(deps, resolved, jwt))) return { outcome: 'session-ended' };
  const file = listenFileAsked(resolved.recording, fileInput);
  return file ? { outcome: 'listen', file, source: listenSource(resolved.recording, file) } : { outcome: 'no-such-file' };
}

async function stillListening(deps: Pick<GatekeeperDeps, 'config' | 'clock' | 'links' | 'tokens'>, token: string, jwt: unknown, file: ListenFile): Promise<boolean> {
  const resolved = await resolveLink(deps, token);
  return resolved !== undefined && (await listening(deps, resolved, jwt, file)).outcome === 'listen';
}

export function gatekeeper(deps: GatekeeperDeps): Gatekeeper {
  return {
    rules: deps.config.access,
    resolve: (token) => resolveLink(deps, token),
    recordOpened: (resolved, userAgent) => recordOpened(deps, resolved, userAgent),
    checkNino: (resolved, input) => checkNino(deps, resolved, input),
    sessionFor: (resolved, jwt) => sessionFor(deps, resolved, jwt),
    issueGrant: (session) => deps.tokens.issueGrant(session, deps.clock()),
    endSession: (session) => deps.links.endSessions(session.linkId, session.generation),
    sessionTimeLeftMs: (session) => Math.max(0, session.expiresAt.getTime() - deps.clock().getTime()),
    renewSession: (session) => deps.tokens.issueSession(session.linkId, session.generation, deps.clock()),
    fileName: downloadFileName,
    listening: (resolved, jwt, fileInput) => listening(deps, resolved, jwt, fileInput),
    stillListening: (token, jwt, file) => stillListening(deps, token, jwt, file),
    download: (resolved, session, grantJwt, userAgent, fileInput) => redeemGrant(deps, resolved, session, { grantJwt, userAgent, fileInput }),
    ticketedDownload: (resolved, ticketJwt, request) => ticketedDownload(deps, resolved, ticketJwt, request),
    downloadStillServes: async (token, file) => {
      const resolved = await resolveLink(deps, token);
      return resolved !== undefined && ticketServes(resolved, file);
    },
  };
}
