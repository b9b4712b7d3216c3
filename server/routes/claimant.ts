import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Logger } from 'pino';
import type { Translator } from '../i18n';
import { preferLanguage, setLanguagePagePath, translatorFor } from '../middleware/language';
import type { LinkAccess } from '../policy/accessWindow';
import { listeningCopyReason } from '../policy/listeningCopy';
import { LINK_TOKEN_MAX_LENGTH } from '../policy/linkToken';
import type { ObjectStorage } from '../objects/s3Objects';
import type { ClaimantSession } from '../security/claimantTokens';
import { hasListeningCopy, type Gatekeeper, type ResolvedLink } from '../services/gatekeeper';
import { sendAudio } from './audioResponse';
import { formatBytes, formatDate, formatDateTime, formatLength, formatPeriod, formatTime } from '../pages/format';
import type { ProblemKind, RenderProblem } from '../pages/problems';
import type { RenderStaticPage } from '../pages/staticPages';

export const SESSION_COOKIE = 'recording_session';

/** How long before the signed-in session ends the page warns (with JavaScript) and offers more time. */
export const SESSION_WARNING_SECONDS = 120;

const CLOSED_LINK_PAGES: Record<Exclude<LinkAccess['state'], 'open'>, ProblemKind> = {
  unavailable: 'recording-unavailable',
  replaced: 'link-replaced',
  expired: 'link-expired',
  locked: 'link-locked',
};

interface Limits {
  pages: RequestHandler;
  ninoAttempts: RequestHandler;
}

const tokenOf = (req: Request) => String(req.params.token);

/**
 * The most one answer to the player carries. A media element asks for `bytes=N-` and reads what it
 * needs; answered in slices, it asks again for each, so the session is checked every few megabytes
 * (a few seconds to minutes of audio) and no response holds a bucket connection open while the
 * player sits paused.
 */
export const LISTEN_SLICE_BYTES = 4 * 1024 * 1024;

/** Where the audio's bytes come from, and where a transfer cut short by the bucket is noted. */
export interface AudioDelivery {
  objects: ObjectStorage;
  logger: Logger;
}

/** The claimant's journey: open the link, confirm the NINO, listen, download. */
export function claimantRoutes(
  gatekeeper: Gatekeeper,
  { renderProblem, renderStaticPage }: { renderProblem: RenderProblem; renderStaticPage: RenderStaticPage },
  limits: Limits,
  audio: AudioDelivery,
): Router {
  const router = Router();
  const linkPath = (token: string) => `/r/${token}`;

  /** Finds the link the path names, whatever its state; answers "not recognised" itself. */
  async function findLink(req: Request, res: Response): Promise<ResolvedLink | undefined> {
    const token = tokenOf(req);
    const resolved = token.length <= LINK_TOKEN_MAX_LENGTH ? await gatekeeper.resolve(token) : undefined;
    if (!resolved) {
      renderProblem(res, 'link-not-recognised');
      return undefined;
    }
    // Staff record the claimant's language with the recording; the toggle still overrides it.
    preferLanguage(res, resolved.recording.language);
    // Fetching the link's own page, the toggle's query-only links already reopen it (and the page holds
    // nothing of the link); an answer to a form post names the page GET can fetch.
    if (req.method !== 'GET' || req.path !== linkPath(token)) setLanguagePagePath(res, linkPath(token));
    return resolved;
  }

  /** Finds the link the path names; answers for it itself when the link cannot be used. */
  async function openLink(req: Request, res: Response): Promise<ResolvedLink | undefined> {
    const resolved = await findLink(req, res);
    if (resolved && resolved.access.state !== 'open') {
      renderProblem(res, CLOSED_LINK_PAGES[resolved.access.state]);
      return undefined;
    }
    return resolved;
  }

  /**
   * The form posts back to the page's own address, so it holds nothing of the link and, before any
   * answer, is the same page for every claimant in a language.
   */
  function renderNinoForm(res: Response, options: { sessionEnded?: boolean } | { error: string; value?: string }) {
    const pageTitle = translatorFor(res)('nino.title');
    if (!('error' in options)) return renderStaticPage(res, 'pages/enter-nino', { pageTitle, sessionEnded: options.sessionEnded });
    res.status(400).render('pages/enter-nino', { pageTitle, ninoValue: options.value, errors: [{ text: options.error, href: '#nino' }] });
  }

  function setSessionCookie(res: Response, jwt: string) {
    // A browser-session cookie: closing the browser means confirming the NINO again.
    res.cookie(SESSION_COOKIE, jwt, { httpOnly: true, secure: true, sameSite: 'strict', path: '/r/' });
  }

  /** When the session ends, in the claimant's words and in seconds for the page's warning. */
  function sessionTiming(session: ClaimantSession, t: Translator) {
    const endsAt = formatTime(session.expiresAt, t);
    return {
      sessionEndsAt: endsAt,
      sessionSecondsLeft: Math.floor(gatekeeper.sessionTimeLeftMs(session) / 1000),
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

  router.use('/r', limits.pages);

  router.get('/r/:token', async (req, res) => {
    const resolved = await openLink(req, res);
    if (!resolved) return;
    const token = tokenOf(req);
    const cookie = req.cookies?.[SESSION_COOKIE];
    const session = await gatekeeper.sessionFor(resolved, cookie);
    if (!session) {
      await gatekeeper.recordOpened(resolved, req.get('user-agent'));
      return renderNinoForm(res, { sessionEnded: cookie !== undefined });
    }
    const t = translatorFor(res);
    const { recording, access } = resolved;
    res.render('pages/recording', {
      pageTitle: t('recording.title'),
      recordedOn: formatDate(new Date(recording.recorded_at), t),
      duration: formatLength(recording.duration_seconds, t),
      size: formatBytes(recording.size_bytes),
      linkEnds: access.state === 'open' ? formatDateTime(access.endsAt, t) : '',
      redownloadWindow: formatPeriod(gatekeeper.rules.redownloadWindowMs, t),
      downloaded: resolved.link.first_download_at !== null,
      listenUrl: `${linkPath(token)}/listen`,
      downloadAction: `${linkPath(token)}/download`,
      renewAction: `${linkPath(token)}/session`,
      signOutAction: `${linkPath(token)}/sign-out`,
      durationSeconds: recording.duration_seconds,
      sessionWarningSeconds: SESSION_WARNING_SECONDS,
      ...sessionTiming(session, t),
      grant: await gatekeeper.issueGrant(session),
      sha256: recording.sha256,
      ...phoneCopy(recording, t),
      manifestUrl: recording.manifest ? `${linkPath(token)}/manifest` : undefined,
    });
  });

  router.post('/r/:token', limits.ninoAttempts, async (req, res) => {
    const resolved = await openLink(req, res);
    if (!resolved) return;
    const token = tokenOf(req);
    const t = translatorFor(res);
    const input: unknown = req.body?.nino;
    const result = await gatekeeper.checkNino(resolved, input);
    const echoed = typeof input === 'string' && input.length <= 40 ? input : undefined;
    switch (result.outcome) {
      case 'invalid':
        return renderNinoForm(res, { error: t(result.reason === 'empty' ? 'nino.error.empty' : 'nino.error.format'), value: echoed });
      case 'wrong':
        return renderNinoForm(res, { error: t.plural(result.attemptsRemaining, 'nino.error.wrong.one', 'nino.error.wrong.other'), value: echoed });
      case 'locked':
        return renderProblem(res, 'link-locked');
      case 'verified':
        setSessionCookie(res, result.sessionJwt);
        return res.redirect(303, linkPath(token));
    }
  });

  /** Needs a live session; without one, back to the NINO step rather than an error. */
  async function requireSession(req: Request, res: Response, resolved: ResolvedLink) {
    const session = await gatekeeper.sessionFor(resolved, req.cookies?.[SESSION_COOKIE]);
    if (!session) res.redirect(303, linkPath(tokenOf(req)));
    return session;
  }

  /** The signed manifest, for the claimant to keep with the audio or hand to a tribunal. */
  router.get('/r/:token/manifest', async (req, res) => {
    const resolved = await openLink(req, res);
    if (!resolved || !(await requireSession(req, res, resolved)) || !resolved.recording.manifest) return;
    const name = gatekeeper.fileName(resolved.recording).replace(/\.[a-z0-9]+$/, '.manifest.jws');
    res.attachment(name).type('application/jose').send(resolved.recording.manifest);
  });

  /** Every range the player asks for is checked against the session, so listening ends with it. */
  router.get('/r/:token/listen', async (req, res) => {
    const resolved = await openLink(req, res);
    if (!resolved) return;
    // Refused outright rather than sent to the NINO step: a player that follows a redirect to a page
    // only stalls, while a refusal makes it report an error, which the page answers (listening.mjs).
    if (!(await gatekeeper.sessionFor(resolved, req.cookies?.[SESSION_COOKIE]))) {
      return renderProblem(res, 'session-ended', { href: linkPath(tokenOf(req)), text: translatorFor(res)('problem.download-button-used.retry') });
    }
    const sent = await sendAudio(req, res, audio.objects, gatekeeper.listenSource(resolved), { maxSliceBytes: LISTEN_SLICE_BYTES, logger: audio.logger });
    if (!sent) renderProblem(res, 'recording-unavailable');
  });

  /**
   * "Stay signed in": a new session cookie for the same link. The page's script asks for JSON and
   * stays where it is (the audio keeps playing); without JavaScript the form posts and the browser
   * returns to the same place on the recording page.
   */
  router.post('/r/:token/session', async (req, res) => {
    const resolved = await openLink(req, res);
    if (!resolved) return;
    const session = await requireSession(req, res, resolved);
    if (!session) return;
    const renewed = await gatekeeper.renewSession(session);
    setSessionCookie(res, renewed.jwt);
    if (req.accepts(['html', 'json']) !== 'json') return res.redirect(303, `${linkPath(tokenOf(req))}#session`);
    const t = translatorFor(res);
    const timing = sessionTiming(renewed.session, t);
    res.json({
      secondsLeft: timing.sessionSecondsLeft,
      notice: timing.sessionNotice,
      warning: timing.sessionWarning,
      confirmation: t('session.extended', { time: timing.sessionEndsAt }),
      // Grants belong to a session: the download button on the page needs one for the new session.
      grant: await gatekeeper.issueGrant(renewed.session),
    });
  });

  router.post('/r/:token/download', async (req, res) => {
    const resolved = await openLink(req, res);
    if (!resolved) return;
    const session = await requireSession(req, res, resolved);
    if (!session) return;
    const result = await gatekeeper.download(resolved, session, req.body?.grant, req.get('user-agent'), req.body?.file);
    switch (result.outcome) {
      case 'file-invalid':
        return renderProblem(res, 'bad-request', { href: linkPath(tokenOf(req)), text: translatorFor(res)('problem.download-button-used.retry') });
      case 'ticket':
        return res.redirect(303, `${linkPath(tokenOf(req))}/download/${result.ticket}`);
      case 'unavailable':
        return renderProblem(res, 'recording-unavailable');
      case 'grant-invalid':
      case 'grant-used':
        return renderProblem(res, 'download-button-used', { href: linkPath(tokenOf(req)), text: translatorFor(res)('problem.download-button-used.retry') });
    }
  });

  /**
   * The file itself, at an address that starts a transfer only briefly but resumes one for longer.
   * The ticket is the credential, as a presigned URL would be: a download manager resuming after
   * the session ended must still get the rest.
   */
  router.get('/r/:token/download/:ticket', async (req, res) => {
    const resolved = await findLink(req, res);
    if (!resolved) return;
    const result = await gatekeeper.ticketedDownload(resolved, req.params.ticket, { range: req.get('Range'), ifRange: req.get('If-Range') });
    const back = { href: linkPath(tokenOf(req)), text: translatorFor(res)('problem.download-button-used.retry') };
    if (result.outcome === 'expired') return renderProblem(res, 'download-ended', back);
    if (result.outcome === 'unavailable' || !(await sendAudio(req, res, audio.objects, result.source, { maxSliceBytes: Infinity, logger: audio.logger }))) {
      return renderProblem(res, 'recording-unavailable');
    }
  });

  /**
   * "Sign out", for a shared device: the session cookie goes, and the link's page asks for the NINO
   * again. The page's script first clears the notes the browser keeps (static/js/moments.mjs).
   */
  router.post('/r/:token/sign-out', async (req, res) => {
    if (!(await findLink(req, res))) return;
    res.clearCookie(SESSION_COOKIE, { httpOnly: true, secure: true, sameSite: 'strict', path: '/r/' });
    res.redirect(303, linkPath(tokenOf(req)));
  });

  return router;
}
