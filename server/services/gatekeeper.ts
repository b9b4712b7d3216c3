import type { PortalDeps } from '../deps';
import { attemptsRemaining, linkAccess, type LinkAccess } from '../policy/accessWindow';
import { deviceType } from '../policy/deviceType';
import { verifyLinkToken } from '../policy/linkToken';
import { parseNino } from '../policy/nino';
import { recordingAvailability } from '../policy/recordingAvailability';
import type { ClaimantSession, ClaimantTokens } from '../security/claimantTokens';
import type { DownloadFile, DownloadTickets } from '../security/downloadTickets';
import type { NinoHasher } from '../security/ninoHasher';
import type { LinkRow } from '../store/linkStore';
import type { RecordingRow } from '../store/recordingStore';

type GatekeeperDeps = Pick<PortalDeps, 'config' | 'clock' | 'audit' | 'links' | 'ninoAttempts' | 'objects'> & { ninoHasher: NinoHasher; tokens: ClaimantTokens; tickets: DownloadTickets };

export type ResolvedLink = { link: LinkRow; recording: RecordingRow; access: LinkAccess };

export type TicketOutcome =
  | { outcome: 'serve'; source: AudioSource }
  /** Past its time to start, asked for something other than a resumption, or past its resume window. */
  | { outcome: 'expired' }
  /** The link was replaced or locked, or the recording was deleted or asked to be deleted, since it started. */
  | { outcome: 'unavailable' };

/** A transfer under way may finish even if the link's own window closes meanwhile; nothing else stops short of it. */
const TICKET_SERVES: ReadonlySet<LinkAccess['state']> = new Set(['open', 'expired']);

export type NinoOutcome =
  | { outcome: 'invalid'; reason: 'empty' | 'format' }
  | { outcome: 'wrong'; attemptsRemaining: number }
  | { outcome: 'locked' }
  | { outcome: 'verified'; sessionJwt: string; session: ClaimantSession };

/** An object the portal streams to the claimant, with the headers it is sent under. */
export interface AudioSource {
  key: string;
  contentType: string;
  sizeBytes: number;
  /** A strong validator: Range requests with an If-Range naming another are answered whole. */
  etag: string;
  disposition: 'inline' | 'attachment';
  fileName: string;
}

export type DownloadOutcome =
  | { outcome: 'ticket'; ticket: string }
  /** Asked for a file that is neither the original nor a listening copy this recording has. */
  | { outcome: 'file-invalid' }
  | { outcome: 'grant-invalid' }
  | { outcome: 'grant-used' }
  | { outcome: 'unavailable' };

const isoDate = (iso: string) => iso.slice(0, 10);

/** Whether the recording's listening copy (a smaller M4A every phone plays) is in the bucket. */
export const hasListeningCopy = (recording: RecordingRow): boolean =>
  recording.listening_status === 'made' && Boolean(recording.listening_object_key && recording.listening_sha256);

/** The file a download form asks for: the original unless it names the listening copy. */
function downloadFileAsked(recording: RecordingRow, input: unknown): DownloadFile | undefined {
  if (input === undefined || input === 'original') return 'original';
  if (input === 'listening' && hasListeningCopy(recording)) return 'listening';
  return undefined;
}

/**
 * The claimant journey's decisions: which link a token names, whether its window is open, whether
 * the NINO matches, and whether a download may go ahead. Routes only translate these into pages.
 */
export function gatekeeper(deps: GatekeeperDeps) {
  const rules = deps.config.access;

  function downloadFileName(recording: RecordingRow): string {
    const extension = recording.object_key.split('.').pop();
    return `assessment-recording-${isoDate(recording.recorded_at)}.${extension}`;
  }

  const audioSource = (recording: RecordingRow, file: DownloadFile, disposition: AudioSource['disposition'], etag: string): AudioSource =>
    file === 'listening'
      ? {
          key: recording.listening_object_key!,
          contentType: recording.listening_content_type!,
          sizeBytes: recording.listening_size_bytes!,
          etag,
          disposition,
          fileName: `assessment-recording-${isoDate(recording.recorded_at)}-phone.${recording.listening_object_key!.split('.').pop()}`,
        }
      : { key: recording.object_key, contentType: recording.content_type, sizeBytes: recording.size_bytes, etag, disposition, fileName: downloadFileName(recording) };

  return {
    /** The rules this gatekeeper applies, so pages can tell claimants how long things last. */
    rules,

    /** A forged, mangled or unknown token is refused here, before any database read. */
    async resolve(token: string): Promise<ResolvedLink | undefined> {
      const check = verifyLinkToken(token, deps.config.secrets.linkKeys);
      if (!check.ok) return undefined;
      const found = await deps.links.findLinkByTokenHash(check.tokenHash);
      if (!found) return undefined;
      const now = deps.clock();
      const { link, recording } = found;
      const access = linkAccess(
        {
          sentAt: new Date(link.sent_at),
          firstDownloadAt: link.first_download_at ? new Date(link.first_download_at) : null,
          revokedAt: link.revoked_at ? new Date(link.revoked_at) : null,
          lockedAt: link.locked_at ? new Date(link.locked_at) : null,
          recordingAvailable: recordingAvailability(recording, now).available,
        },
        now,
        rules,
      );
      return { link, recording, access };
    },

    async recordOpened(resolved: ResolvedLink, userAgent: string | undefined): Promise<void> {
      await deps.audit.recordEvent(deps.clock(), {
        type: 'link.opened',
        actor: 'claimant',
        recordingId: resolved.recording.id,
        linkId: resolved.link.id,
        detail: { device: deviceType(userAgent) },
      });
    },

    /**
     * An attempt is reserved before argon2 weighs the guess, so guesses sent at once cannot all be
     * weighed before the lock is read: once the limit is spent or in flight, the answer is "locked"
     * without a look at the NINO.
     */
    async checkNino(resolved: ResolvedLink, input: unknown): Promise<NinoOutcome> {
      const parsed = parseNino(input);
      if (!parsed.ok) return { outcome: 'invalid', reason: parsed.reason };
      const { link, recording } = resolved;
      const reservation = await deps.ninoAttempts.reserveNinoAttempt(link.id, deps.clock(), rules.maxNinoAttempts);
      if (!reservation) return { outcome: 'locked' };
      let matches: boolean;
      try {
        matches = recording.nino_hash !== null && (await deps.ninoHasher.verify(recording.nino_hash, parsed.nino));
      } catch (error) {
        await deps.ninoAttempts.releaseNinoAttempt(link.id);
        throw error;
      }
      const now = deps.clock();
      if (!matches) {
        const result = await deps.ninoAttempts.recordWrongNino(link.id, now, rules.maxNinoAttempts);
        return result.locked ? { outcome: 'locked' } : { outcome: 'wrong', attemptsRemaining: attemptsRemaining(result.failedAttempts, rules) };
      }
      await deps.ninoAttempts.releaseNinoAttempt(link.id);
      await deps.audit.recordEvent(now, { type: 'nino.verified', actor: 'claimant', recordingId: recording.id, linkId: link.id });
      const { jwt, session } = await deps.tokens.issueSession(link.id, reservation.sessionGeneration, now);
      return { outcome: 'verified', sessionJwt: jwt, session };
    },

    /** The session this browser holds for this link, if it holds a live one issued since the link's last unlock. */
    async sessionFor(resolved: ResolvedLink, jwt: unknown): Promise<ClaimantSession | undefined> {
      const session = await deps.tokens.readSession(jwt, deps.clock());
      return session?.linkId === resolved.link.id && session.generation === resolved.link.session_generation ? session : undefined;
    },

    issueGrant: (session: ClaimantSession) => deps.tokens.issueGrant(session, deps.clock()),

    /** Milliseconds until the session ends, by the portal's clock (the browser's may be wrong). */
    sessionTimeLeftMs: (session: ClaimantSession) => Math.max(0, session.expiresAt.getTime() - deps.clock().getTime()),

    /**
     * A fresh session for the same link, for a claimant who asks for more time before theirs ends
     * (WCAG 2.2.1). Only a live session can be renewed, and the link's own window still applies.
     */
    renewSession: (session: ClaimantSession) => deps.tokens.issueSession(session.linkId, session.generation, deps.clock()),

    fileName: downloadFileName,

    /**
     * What the in-page player streams, through the portal and under a live session checked on every
     * range it asks for; listening is not a download.
     */
    listenSource: (resolved: ResolvedLink): AudioSource => {
      const { recording } = resolved;
      // The player plays the listening copy where there is one: it plays on every phone and costs less data.
      return hasListeningCopy(recording)
        ? audioSource(recording, 'listening', 'inline', `"${recording.listening_sha256}"`)
        : audioSource(recording, 'original', 'inline', `"${recording.sha256}"`);
    },

    /**
     * Redeems a one-time grant. The object is checked first so that, when storage is down, the
     * download is not recorded and the grant is not spent; the claimant can simply try again.
     */
    async download(resolved: ResolvedLink, session: ClaimantSession, grantJwt: unknown, userAgent: string | undefined, fileInput?: unknown): Promise<DownloadOutcome> {
      const grant = await deps.tokens.readGrant(grantJwt, deps.clock());
      if (!grant || grant.linkId !== resolved.link.id || grant.sessionId !== session.sessionId) return { outcome: 'grant-invalid' };
      // Either file is the same download, under the same rules: one grant, one count, one window.
      const file = downloadFileAsked(resolved.recording, fileInput);
      if (!file) return { outcome: 'file-invalid' };
      const key = file === 'listening' ? resolved.recording.listening_object_key! : resolved.recording.object_key;
      if (!(await deps.objects.exists(key))) return { outcome: 'unavailable' };
      const now = deps.clock();
      const redeemed = await deps.links.redeemDownload({
        grantId: grant.grantId,
        linkId: resolved.link.id,
        now,
        sentAfter: new Date(now.getTime() - rules.linkTtlMs),
        firstDownloadAfter: new Date(now.getTime() - rules.redownloadWindowMs),
        device: deviceType(userAgent),
      });
      if (!redeemed.ok) return { outcome: 'grant-used' };
      return { outcome: 'ticket', ticket: await deps.tickets.issue({ grantId: grant.grantId, linkId: resolved.link.id, file }, now) };
    },

    /**
     * Serves the download a ticket names: anything until the ticket's time to start ends, then only a
     * resumption (a Range whose If-Range names the ticket's ETag, which only its first response gave
     * out) until its resume window ends. Neither counts as another download.
     */
    async ticketedDownload(resolved: ResolvedLink, ticketJwt: unknown, request: { range: string | undefined; ifRange: string | undefined }): Promise<TicketOutcome> {
      const now = deps.clock();
      const ticket = await deps.tickets.read(ticketJwt, now);
      if (!ticket || ticket.linkId !== resolved.link.id) return { outcome: 'expired' };
      if (!TICKET_SERVES.has(resolved.access.state)) return { outcome: 'unavailable' };
      const etag = deps.tickets.etagOf(ticket);
      const resuming = request.range !== undefined && request.ifRange === etag;
      if (now.getTime() >= ticket.startBy.getTime() && !resuming) return { outcome: 'expired' };
      if (ticket.file === 'listening' && !hasListeningCopy(resolved.recording)) return { outcome: 'unavailable' };
      return { outcome: 'serve', source: audioSource(resolved.recording, ticket.file, 'attachment', etag) };
    },
  };
}

export type Gatekeeper = ReturnType<typeof gatekeeper>;
