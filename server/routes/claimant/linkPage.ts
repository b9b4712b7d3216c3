import { Router, type RequestHandler, type Response } from 'express';
import { translatorFor } from '../../middleware/language';
import { recordingPageValues } from '../../pages/recordingPage';
import type { RenderStaticPage } from '../../pages/staticPages';
import type { Transcripts } from '../../services/transcripts';
import { linkPathOf, setSessionCookie, SESSION_COOKIE, type ClaimantLinks } from './links';
import { transcriptPageValues } from './transcript';

/**
 * Where a confirmed NINO sends the browser: the link's page, marked, so that arriving there without the
 * session cookie just set is known to be a refused cookie (Safari on http, cookies turned off), not a
 * session that ended.
 */
const CONFIRMED = 'confirmed';

/** "Your browser needs to accept cookies", with a way back to the link. */
function renderCookiesNeeded(renderStaticPage: RenderStaticPage, res: Response, linkPath: string) {
  const t = translatorFor(res);
  renderStaticPage(res, 'pages/problem', { pageTitle: t('nino.cookies-needed.title'), paragraphs: t.paragraphs('nino.cookies-needed.body'), retryHref: linkPath, retryText: t('nino.cookies-needed.retry') });
}

/** The link's own page: the NINO step until a session is confirmed, then the recording. */
export function linkPageRoutes({ gatekeeper, renderProblem, openLink, sessionOf }: ClaimantLinks, renderStaticPage: RenderStaticPage, ninoAttempts: RequestHandler, transcripts: Pick<Transcripts, 'read'>): Router {
  const router = Router();

  /**
   * The form posts back to the page's own address, so it holds nothing of the link and, before any
   * answer, is the same page for every claimant in a language.
   */
  function renderNinoForm(res: Response, options: { sessionEnded?: boolean } | { error: string; value?: string }) {
    const pageTitle = translatorFor(res)('nino.title');
    if (!('error' in options)) return renderStaticPage(res, 'pages/enter-nino', { pageTitle, sessionEnded: options.sessionEnded });
    res.status(400).render('pages/enter-nino', { pageTitle, ninoValue: options.value, errors: [{ text: options.error, href: '#nino' }] });
  }

  router.get('/r/:token', async (req, res) => {
    const resolved = await openLink(req, res);
    if (!resolved) return;
    const session = await sessionOf(req, resolved);
    if (!session) {
      // Just confirmed, yet no session cookie came back: the browser refused it. Say so, not the form again.
      if (req.query[CONFIRMED] !== undefined && req.cookies?.[SESSION_COOKIE] === undefined) return renderCookiesNeeded(renderStaticPage, res, linkPathOf(req));
      await gatekeeper.recordOpened(resolved, req.get('user-agent'));
      return renderNinoForm(res, { sessionEnded: req.cookies?.[SESSION_COOKIE] !== undefined });
    }
    const facts = {
      resolved,
      session,
      sessionMsLeft: gatekeeper.sessionTimeLeftMs(session),
      grant: await gatekeeper.issueGrant(session),
      redownloadWindowMs: gatekeeper.rules.redownloadWindowMs,
      linkPath: linkPathOf(req),
    };
    const transcript = await transcriptPageValues(transcripts, resolved.recording.id, facts.linkPath);
    res.render('pages/recording', { ...recordingPageValues(facts, translatorFor(res)), ...transcript });
  });

  router.post('/r/:token', ninoAttempts, async (req, res) => {
    const resolved = await openLink(req, res);
    if (!resolved) return;
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
        return res.redirect(303, `${linkPathOf(req)}?${CONFIRMED}`);
    }
  });

  return router;
}
