import { Router, type RequestHandler } from 'express';
import type { RenderProblem } from '../../pages/problems';
import type { RenderStaticPage } from '../../pages/staticPages';
import type { Gatekeeper } from '../../services/gatekeeper';
import type { Transcripts } from '../../services/transcripts';
import { downloadRoutes } from './download';
import { linkPageRoutes } from './linkPage';
import { listeningRoutes, type AudioDelivery } from './listening';
import { claimantLinks } from './links';
import { sessionRoutes } from './session';
import { transcriptRoutes } from './transcript';

export { SESSION_COOKIE } from './links';
export { LISTEN_SLICE_BYTES, type AudioDelivery } from './listening';

interface Limits {
  pages: RequestHandler;
  ninoAttempts: RequestHandler;
}

/** The claimant's journey: open the link, confirm the NINO, listen, read the transcript, download, sign out. */
export function claimantRoutes(
  gatekeeper: Gatekeeper,
  { renderProblem, renderStaticPage }: { renderProblem: RenderProblem; renderStaticPage: RenderStaticPage },
  limits: Limits,
  audio: AudioDelivery,
  transcripts: Pick<Transcripts, 'read'>,
): Router {
  const links = claimantLinks(gatekeeper, renderProblem);
  const router = Router();
  router.use('/r', limits.pages);
  router.use(linkPageRoutes(links, renderStaticPage, limits.ninoAttempts, transcripts));
  router.use(listeningRoutes(links, audio));
  router.use(downloadRoutes(links, audio));
  router.use(transcriptRoutes(links, transcripts));
  router.use(sessionRoutes(links));
  return router;
}
