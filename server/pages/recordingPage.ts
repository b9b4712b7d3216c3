import type { Translator } from '../i18n';
import type { LinkAccess } from '../policy/accessWindow';
import { listeningCopyReason } from '../policy/listeningCopy';
import type { ClaimantSession } from '../security/claimantTokens';
import { hasListeningCopy, listenFileOffered, type ResolvedLink } from '../services/gatekeeper';
import { formatBytes, formatDate, formatDateTime, formatLength, formatPeriod, formatTime } from './format';
import type { ProblemKind } from './problems';

/** How long before the signed-in session ends the page warns (with JavaScript) and offers more time. */
export const SESSION_WARNING_SECONDS = 120;

/** The page a link that cannot be used answers with, by what stops it. */
export const CLOSED_LINK_PAGES: Record<Exclude<LinkAccess['state'], 'open'>, ProblemKind> = {
  unavailable: 'recording-unavailable',
  replaced: 'link-replaced',
  expired: 'link-expired',
  locked: 'link-locked',
};

/** When the session ends, in the claimant's words and in seconds for the page's warning. */
export function sessionTiming(session: ClaimantSession, msLeft: number, t: Translator) {
  const endsAt = formatTime(session.expiresAt, t);
  return {
    sessionEndsAt: endsAt,
    sessionSecondsLeft: Math.floor(msLeft / 1000),
    sessionNotice: t('session.notice', { time: endsAt }),
    sessionWarning: t('session.warning.message', { time: endsAt }),
  };
}

/** The listening copy's download and fingerprint where there is one; otherwise why there is none. */
function phoneCopy(recording: ResolvedLink['recording'], t: Translator) {
  if (hasListeningCopy(recording)) return { phoneCopySize: formatBytes(recording.listening_size_bytes!), phoneCopySha256: recording.listening_sha256 };
  const needed = listeningCopyReason({ contentType: recording.content_type, sizeBytes: recording.size_bytes, durationSeconds: recording.duration_seconds }) !== undefined;
  if (!needed || recording.listening_status === 'not-needed') return {};
  const settled = recording.listening_status === 'no-ffmpeg' || recording.listening_status === 'failed';
  return { phoneCopyNote: t(settled ? 'recording.phone-copy.not-made' : 'recording.phone-copy.making') };
}

/** What the recording page shows a signed-in claimant, and where its forms and player go. */
export interface RecordingPageFacts {
  resolved: ResolvedLink;
  session: ClaimantSession;
  sessionMsLeft: number;
  grant: string;
  redownloadWindowMs: number;
  /** The link's own page, `/r/<token>`, under which the player, the forms and the manifest live. */
  linkPath: string;
}

export function recordingPageValues({ resolved, session, sessionMsLeft, grant, redownloadWindowMs, linkPath }: RecordingPageFacts, t: Translator) {
  const { recording, access } = resolved;
  return {
    pageTitle: t('recording.title'),
    recordedOn: formatDate(new Date(recording.recorded_at), t),
    duration: formatLength(recording.duration_seconds, t),
    size: formatBytes(recording.size_bytes),
    linkEnds: access.state === 'open' ? formatDateTime(access.endsAt, t) : '',
    redownloadWindow: formatPeriod(redownloadWindowMs, t),
    downloaded: resolved.link.first_download_at !== null,
    // The player's address names its file, so a listening copy made while the page is open never
    // replaces the bytes under it. Links that open the audio in a page of its own (the fallback, the
    // transcript's times) name none, and get the file offered when they are followed.
    playerUrl: `${linkPath}/listen/${listenFileOffered(recording)}`,
    listenUrl: `${linkPath}/listen`,
    downloadAction: `${linkPath}/download`,
    renewAction: `${linkPath}/session`,
    signOutAction: `${linkPath}/sign-out`,
    durationSeconds: recording.duration_seconds,
    sessionWarningSeconds: SESSION_WARNING_SECONDS,
    ...sessionTiming(session, sessionMsLeft, t),
    grant,
    sha256: recording.sha256,
    ...phoneCopy(recording, t),
    manifestUrl: recording.manifest ? `${linkPath}/manifest` : undefined,
  };
}
