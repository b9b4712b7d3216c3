import { windowBounds, type LinkAccess } from '../policy/accessWindow';
import { deviceType } from '../policy/deviceType';
import type { ClaimantSession } from '../security/claimantTokens';
import type { DownloadFile } from '../security/downloadTickets';
import { audioSource, downloadFileAsked, downloadFileKey, hasListeningCopy, type AudioSource } from './claimantAudio';
import type { GatekeeperDeps, ResolvedLink } from './gatekeeperDeps';

export type DownloadOutcome =
  | { outcome: 'ticket'; ticket: string }
  /** Asked for a file that is neither the original nor a listening copy this recording has. */
  | { outcome: 'file-invalid' }
  | { outcome: 'grant-invalid' }
  | { outcome: 'grant-used' }
  | { outcome: 'unavailable' };

export type TicketOutcome =
  | { outcome: 'serve'; file: DownloadFile; source: AudioSource }
  /** Past its time to start, asked for something other than a resumption, or past its resume window. */
  | { outcome: 'expired' }
  /** The link was replaced or locked, or the recording was deleted or asked to be deleted, since it started. */
  | { outcome: 'unavailable' };

/** A transfer under way may finish even if the link's own window closes meanwhile; nothing else stops short of it. */
const TICKET_SERVES: ReadonlySet<LinkAccess['state']> = new Set(['open', 'expired']);

export interface DownloadRequest {
  grantJwt: unknown;
  userAgent: string | undefined;
  fileInput?: unknown;
}

/**
 * Redeems a one-time grant. The object is checked first so that, when storage is down, the
 * download is not recorded and the grant is not spent; the claimant can simply try again.
 */
export async function redeemGrant(
  deps: Pick<GatekeeperDeps, 'config' | 'clock' | 'links' | 'objects' | 'tokens' | 'tickets'>,
  resolved: ResolvedLink,
  session: ClaimantSession,
  request: DownloadRequest,
): Promise<DownloadOutcome> {
  const rules = deps.config.access;
  const grant = await deps.tokens.readGrant(request.grantJwt, deps.clock());
  if (!grant || grant.linkId !== resolved.link.id || grant.sessionId !== session.sessionId) return { outcome: 'grant-invalid' };
  // Either file is the same download, under the same rules: one grant, one count, one window.
  const file = downloadFileAsked(resolved.recording, request.fileInput);
  if (!file) return { outcome: 'file-invalid' };
  if (!(await deps.objects.exists(downloadFileKey(resolved.recording, file)))) return { outcome: 'unavailable' };
  const now = deps.clock();
  const redeemed = await deps.links.redeemDownload({
    grantId: grant.grantId,
    linkId: resolved.link.id,
    now,
    ...windowBounds(now, rules),
    device: deviceType(request.userAgent),
  });
  if (!redeemed.ok) return { outcome: 'grant-used' };
  return { outcome: 'ticket', ticket: await deps.tickets.issue({ grantId: grant.grantId, linkId: resolved.link.id, file }, now) };
}

/**
 * Serves the download a ticket names: anything until the ticket's time to start ends, then only a
 * resumption (a Range whose If-Range names the ticket's ETag, which only its first response gave
 * out) until its resume window ends. Neither counts as another download.
 */
export async function ticketedDownload(
  deps: Pick<GatekeeperDeps, 'clock' | 'tickets'>,
  resolved: ResolvedLink,
  ticketJwt: unknown,
  request: { range: string | undefined; ifRange: string | undefined },
): Promise<TicketOutcome> {
  const now = deps.clock();
  const ticket = await deps.tickets.read(ticketJwt, now);
  if (!ticket || ticket.linkId !== resolved.link.id) return { outcome: 'expired' };
  if (!ticketServes(resolved, ticket.file)) return { outcome: 'unavailable' };
  const etag = deps.tickets.etagOf(ticket);
  const resuming = request.range !== undefined && request.ifRange === etag;
  if (now.getTime() >= ticket.startBy.getTime() && !resuming) return { outcome: 'expired' };
  return { outcome: 'serve', file: ticket.file, source: audioSource(resolved.recording, ticket.file, 'attachment', etag) };
}

/**
 * Whether a ticket's file may still be sent: asked when a transfer starts or resumes, and before every
 * slice of one under way, so a transfer stops within a slice of the link being replaced or locked or
 * the recording being deleted or asked to be deleted.
 */
export const ticketServes = (resolved: ResolvedLink, file: DownloadFile): boolean =>
  TICKET_SERVES.has(resolved.access.state) && (file !== 'listening' || hasListeningCopy(resolved.recording));
