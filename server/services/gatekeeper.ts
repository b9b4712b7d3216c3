import type { PortalDeps } from '../deps';
import { linkAccess, linkFacts, type AccessRules, type LinkAccess } from '../policy/accessWindow';
import { deviceType } from '../policy/deviceType';
import { verifyLinkToken } from '../policy/linkToken';
import { recordingAvailability } from '../policy/recordingAvailability';
import type { ClaimantSession, ClaimantTokens } from '../security/claimantTokens';
import type { DownloadTickets } from '../security/downloadTickets';
import type { NinoHasher } from '../security/ninoHasher';
import type { LinkRow } from '../store/linkStore';
import type { RecordingRow } from '../store/recordingStore';
import { downloadFileName, listenSource, type AudioSource } from './claimantAudio';
import { redeemGrant, ticketedDownload, type DownloadOutcome, type TicketOutcome } from './claimantDownloads';
import { checkNino, type NinoOutcome } from './ninoCheck';

export { hasListeningCopy, type AudioSource } from './claimantAudio';
export type { DownloadOutcome, TicketOutcome } from './claimantDownloads';
export type { NinoOutcome } from './ninoCheck';

export type GatekeeperDeps = Pick<PortalDeps, 'config' | 'clock' | 'audit' | 'links' | 'ninoAttempts' | 'objects'> & { ninoHasher: NinoHasher; tokens: ClaimantTokens; tickets: DownloadTickets };

export type ResolvedLink = { link: LinkRow; recording: RecordingRow; access: LinkAccess };

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
   * What the in-page player streams, through the portal and under a live session checked on every
   * range it asks for; listening is not a download.
   */
  listenSource(resolved: ResolvedLink): AudioSource;
  /** Redeems a one-time grant for a ticket to download the file the form asks for. */
  download(resolved: ResolvedLink, session: ClaimantSession, grantJwt: unknown, userAgent: string | undefined, fileInput?: unknown): Promise<DownloadOutcome>;
  /** Serves the download a ticket names, or a resumption of it. */
  ticketedDownload(resolved: ResolvedLink, ticketJwt: unknown, request: { range: string | undefined; ifRange: string | undefined }): Promise<TicketOutcome>;
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
    listenSource: (resolved) => listenSource(resolved.recording),
    download: (resolved, session, grantJwt, userAgent, fileInput) => redeemGrant(deps, resolved, session, { grantJwt, userAgent, fileInput }),
    ticketedDownload: (resolved, ticketJwt, request) => ticketedDownload(deps, resolved, ticketJwt, request),
  };
}
