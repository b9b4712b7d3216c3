import type { Request, Response } from 'express';
import { preferLanguage, setLanguagePagePath, translatorFor } from '../../middleware/language';
import { LINK_TOKEN_MAX_LENGTH } from '../../policy/linkToken';
import type { RenderProblem } from '../../pages/problems';
import { CLOSED_LINK_PAGES } from '../../pages/recordingPage';
import type { Gatekeeper, ResolvedLink } from '../../services/gatekeeper';

export const SESSION_COOKIE = 'recording_session';

// A browser-session cookie, sent only to the link's pages: closing the browser means confirming the NINO again.
const SESSION_COOKIE_OPTIONS = { httpOnly: true, secure: true, sameSite: 'strict', path: '/r/' } as const;

export const tokenOf = (req: Request) => String(req.params.token);
/** The link's own page: `/r/<token>`, under which everything else of the link lives. */
export const linkPathOf = (req: Request) => `/r/${tokenOf(req)}`;

export const setSessionCookie = (res: Response, jwt: string) => res.cookie(SESSION_COOKIE, jwt, SESSION_COOKIE_OPTIONS);
export const clearSessionCookie = (res: Response) => res.clearCookie(SESSION_COOKIE, SESSION_COOKIE_OPTIONS);

/** The way back to the link's page that a problem page about a download or the player offers. */
export const backToLink = (req: Request, res: Response) => ({ href: linkPathOf(req), text: translatorFor(res)('problem.download-button-used.retry') });

/** What every claimant router shares: the link the path names, its session, and the problem pages. */
export function claimantLinks(gatekeeper: Gatekeeper, renderProblem: RenderProblem) {
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
    if (req.method !== 'GET' || req.path !== linkPathOf(req)) setLanguagePagePath(res, linkPathOf(req));
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

  /** The session the request's cookie holds for this link, if it is still live. */
  const sessionOf = (req: Request, resolved: ResolvedLink) => gatekeeper.sessionFor(resolved, req.cookies?.[SESSION_COOKIE]);

  /** Needs a live session; without one, back to the NINO step rather than an error. */
  async function requireSession(req: Request, res: Response, resolved: ResolvedLink) {
    const session = await sessionOf(req, resolved);
    if (!session) res.redirect(303, linkPathOf(req));
    return session;
  }

  /** The open link and its live session; answers for it itself when either is missing. */
  async function openSession(req: Request, res: Response) {
    const resolved = await openLink(req, res);
    const session = resolved && (await requireSession(req, res, resolved));
    return resolved && session ? { resolved, session } : undefined;
  }

  return { gatekeeper, renderProblem, findLink, openLink, sessionOf, openSession };
}

export type ClaimantLinks = ReturnType<typeof claimantLinks>;
