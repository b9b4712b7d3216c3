import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { LinkAccess } from '../policy/accessWindow';
import { LINK_TOKEN_MAX_LENGTH } from '../policy/linkToken';
import type { Gatekeeper, ResolvedLink } from '../services/gatekeeper';
import { formatBytes, formatDate, formatDateTime, formatLength } from './format';
import type { ProblemKind, RenderProblem } from './problems';

export const SESSION_COOKIE = 'recording_session';

const CLOSED_LINK_PAGES: Record<Exclude<LinkAccess['state'], 'open'>, ProblemKind> = {
  unavailable: 'recording-unavailable',
  replaced: 'link-replaced',
  expired: 'link-expired',
  locked: 'link-locked',
};

const NINO_ERRORS = {
  empty: 'Enter your National Insurance number',
  format: 'Enter a National Insurance number in the correct format, like QQ 12 34 56 C',
} as const;

interface Limits {
  pages: RequestHandler;
  ninoAttempts: RequestHandler;
}

const tokenOf = (req: Request) => String(req.params.token);

/** The claimant's journey: open the link, confirm the NINO, listen, download. */
export function claimantRoutes(gatekeeper: Gatekeeper, renderProblem: RenderProblem, limits: Limits): Router {
  const router = Router();
  const linkPath = (token: string) => `/r/${token}`;

  /** Finds the link the path names; answers for it itself when the link cannot be used. */
  async function openLink(req: Request, res: Response): Promise<ResolvedLink | undefined> {
    const token = tokenOf(req);
    const resolved = token.length <= LINK_TOKEN_MAX_LENGTH ? await gatekeeper.resolve(token) : undefined;
    if (!resolved) {
      renderProblem(res, 'link-not-recognised');
      return undefined;
    }
    if (resolved.access.state !== 'open') {
      renderProblem(res, CLOSED_LINK_PAGES[resolved.access.state]);
      return undefined;
    }
    return resolved;
  }

  function renderNinoForm(res: Response, token: string, options: { error?: string; value?: string; sessionEnded?: boolean; status?: number } = {}) {
    res.status(options.status ?? 200).render('pages/enter-nino', {
      pageTitle: 'What is your National Insurance number?',
      formAction: linkPath(token),
      ninoValue: options.value,
      sessionEnded: options.sessionEnded,
      errors: options.error ? [{ text: options.error, href: '#nino' }] : undefined,
    });
  }

  function setSessionCookie(res: Response, jwt: string) {
    // A browser-session cookie: closing the browser means confirming the NINO again.
    res.cookie(SESSION_COOKIE, jwt, { httpOnly: true, secure: true, sameSite: 'strict', path: '/r/' });
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
      return renderNinoForm(res, token, { sessionEnded: cookie !== undefined });
    }
    const { recording, access } = resolved;
    res.render('pages/recording', {
      pageTitle: 'Your assessment recording',
      recordedOn: formatDate(new Date(recording.recorded_at)),
      duration: formatLength(recording.duration_seconds),
      size: formatBytes(recording.size_bytes),
      linkEnds: access.state === 'open' ? formatDateTime(access.endsAt) : '',
      downloaded: resolved.link.first_download_at !== null,
      listenUrl: `${linkPath(token)}/listen`,
      downloadAction: `${linkPath(token)}/download`,
      grant: await gatekeeper.issueGrant(session),
      sha256: recording.sha256,
    });
  });

  router.post('/r/:token', limits.ninoAttempts, async (req, res) => {
    const resolved = await openLink(req, res);
    if (!resolved) return;
    const token = tokenOf(req);
    const input: unknown = req.body?.nino;
    const result = await gatekeeper.checkNino(resolved, input);
    const echoed = typeof input === 'string' && input.length <= 40 ? input : undefined;
    switch (result.outcome) {
      case 'invalid':
        return renderNinoForm(res, token, { error: NINO_ERRORS[result.reason], value: echoed, status: 400 });
      case 'wrong':
        return renderNinoForm(res, token, {
          error: `The National Insurance number does not match our records. Check it and try again. You have ${result.attemptsRemaining} ${result.attemptsRemaining === 1 ? 'try' : 'tries'} left.`,
          value: echoed,
          status: 400,
        });
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

  router.get('/r/:token/listen', async (req, res) => {
    const resolved = await openLink(req, res);
    if (!resolved || !(await requireSession(req, res, resolved))) return;
    res.redirect(303, await gatekeeper.listenUrl(resolved));
  });

  router.post('/r/:token/download', async (req, res) => {
    const resolved = await openLink(req, res);
    if (!resolved) return;
    const session = await requireSession(req, res, resolved);
    if (!session) return;
    const result = await gatekeeper.download(resolved, session, req.body?.grant, req.get('user-agent'));
    switch (result.outcome) {
      case 'redirect':
        return res.redirect(303, result.url);
      case 'unavailable':
        return renderProblem(res, 'recording-unavailable');
      case 'grant-invalid':
      case 'grant-used':
        return renderProblem(res, 'download-button-used', { href: linkPath(tokenOf(req)), text: 'Go back to your recording' });
    }
  });

  return router;
}
