import { Router } from 'express';
import { sendAudio } from '../audioResponse';
import { LISTEN_SLICE_BYTES, type AudioDelivery } from './listening';
import { backToLink, linkPathOf, tokenOf, type ClaimantLinks } from './links';

/** The download button, and the file it leads to. */
export function downloadRoutes({ gatekeeper, renderProblem, findLink, openSession }: ClaimantLinks, audio: AudioDelivery): Router {
  const router = Router();

  router.post('/r/:token/download', async (req, res) => {
    const signedIn = await openSession(req, res);
    if (!signedIn) return;
    const result = await gatekeeper.download(signedIn.resolved, signedIn.session, req.body?.grant, req.get('user-agent'), req.body?.file);
    switch (result.outcome) {
      case 'file-invalid':
        return renderProblem(res, 'bad-request', backToLink(req, res));
      case 'ticket':
        return res.redirect(303, `${linkPathOf(req)}/download/${result.ticket}`);
      case 'unavailable':
        return renderProblem(res, 'recording-unavailable');
      case 'grant-invalid':
      case 'grant-used':
        return renderProblem(res, 'download-button-used', backToLink(req, res));
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
    if (result.outcome === 'expired') return renderProblem(res, 'download-ended', backToLink(req, res));
    if (result.outcome === 'unavailable') return renderProblem(res, 'recording-unavailable');
    // Read slice by slice, each asked about first, as the player's answers are.
    const stillAllowed = () => gatekeeper.downloadStillServes(tokenOf(req), result.file);
    const options = { sliceBytes: LISTEN_SLICE_BYTES, stillAllowed, logger: audio.logger };
    if (!(await sendAudio(req, res, audio.objects, result.source, options))) renderProblem(res, 'recording-unavailable');
  });

  return router;
}
