import { Router } from 'express';
import { translatorFor } from '../../middleware/language';
import { sessionTiming } from '../../pages/recordingPage';
import { clearSessionCookie, linkPathOf, setSessionCookie, type ClaimantLinks } from './links';

/** More time for a signed-in claimant, and signing out. */
export function sessionRoutes({ gatekeeper, findLink, sessionOf, openSession }: ClaimantLinks): Router {
  const router = Router();

  /**
   * "Stay signed in": a new session cookie for the same link. The page's script asks for JSON and
   * stays where it is (the audio keeps playing); without JavaScript the form posts and the browser
   * returns to the same place on the recording page.
   */
  router.post('/r/:token/session', async (req, res) => {
    const signedIn = await openSession(req, res);
    if (!signedIn) return;
    const renewed = await gatekeeper.renewSession(signedIn.session);
    setSessionCookie(res, renewed.jwt);
    if (req.accepts(['html', 'json']) !== 'json') return res.redirect(303, `${linkPathOf(req)}#session`);
    const t = translatorFor(res);
    const timing = sessionTiming(renewed.session, gatekeeper.sessionTimeLeftMs(renewed.session), t);
    res.json({
      secondsLeft: timing.sessionSecondsLeft,
      notice: timing.sessionNotice,
      warning: timing.sessionWarning,
      confirmation: t('session.extended', { time: timing.sessionEndsAt }),
      // Grants belong to a session: the download button on the page needs one for the new session.
      grant: await gatekeeper.issueGrant(renewed.session),
    });
  });

  /**
   * "Sign out", for a shared device: the session ends on the server, not only in this browser, so a
   * copy of the cookie (another tab, a history of requests) opens nothing afterwards; the link's page
   * asks for the NINO again. Only a live session can end sessions, so a request without one (another
   * site's form, a stale cookie) signs nobody out. The page's script first clears the notes the
   * browser keeps (static/js/moments.mjs).
   */
  router.post('/r/:token/sign-out', async (req, res) => {
    const resolved = await findLink(req, res);
    if (!resolved) return;
    const session = await sessionOf(req, resolved);
    if (session) await gatekeeper.endSession(session);
    clearSessionCookie(res);
    res.redirect(303, linkPathOf(req));
  });

  return router;
}
