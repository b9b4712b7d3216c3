import { Router, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { ObjectStorage } from '../../objects/s3Objects';
import { sendAudio } from '../audioResponse';
import { CLOSED_LINK_PAGES } from '../../pages/recordingPage';
import { backToLink, SESSION_COOKIE, tokenOf, type ClaimantLinks } from './links';

/**
 * The most one bucket read of any answer carries. The player's answer runs to the end of the file
 * (no Range, as WebKitGTK first asks, or `bytes=N-`, as every engine asks on a seek), read slice by
 * slice with the link and the session checked before each, so listening ends within a few megabytes
 * (a few seconds to minutes of audio) of a sign-out, an expiry, a new link or a deletion request.
 */
export const LISTEN_SLICE_BYTES = 4 * 1024 * 1024;

/** Where the audio's bytes come from, and where a transfer cut short by the bucket is noted. */
export interface AudioDelivery {
  objects: ObjectStorage;
  logger: Logger;
}

/** What a signed-in claimant reads on the recording page: the player's audio and the signed manifest. */
export function listeningRoutes({ gatekeeper, renderProblem, openLink, openSession }: ClaimantLinks, audio: AudioDelivery): Router {
  const router = Router();

  /** The signed manifest, for the claimant to keep with the audio or hand to a tribunal. */
  router.get('/r/:token/manifest', async (req, res) => {
    const signedIn = await openSession(req, res);
    if (!signedIn) return;
    const { recording } = signedIn.resolved;
    // Recordings registered before manifests were signed have none; the page offers no link to it then.
    if (!recording.manifest) return renderProblem(res, 'page-not-found');
    const name = gatekeeper.fileName(recording).replace(/\.[a-z0-9]+$/, '.manifest.jws');
    res.attachment(name).type('application/jose').send(recording.manifest);
  });

  /**
   * The player's audio. The page names the file (`/listen/original`, `/listen/copy`), so a listening
   * copy finished mid-listen never changes the bytes under an open player; `/listen` alone answers
   * with the file offered now, for pages and links from before files were named. Every request, and
   * every slice of its answer, is checked against the link and the session, so listening ends with them.
   */
  const listen: RequestHandler = async (req, res) => {
    const resolved = await openLink(req, res);
    if (!resolved) return;
    const jwt: unknown = req.cookies?.[SESSION_COOKIE];
    const decision = await gatekeeper.listening(resolved, jwt, req.params.file);
    switch (decision.outcome) {
      case 'link-closed':
        return renderProblem(res, CLOSED_LINK_PAGES[decision.state]);
      case 'session-ended':
        // Refused outright rather than sent to the NINO step: a player that follows a redirect to a page
        // only stalls, while a refusal makes it report an error, which the page answers (listening.mjs).
        return renderProblem(res, 'session-ended', backToLink(req, res));
      case 'no-such-file':
        // A copy not made (or no such file): the player reports an error and the page, reloaded, offers the file there is.
        return renderProblem(res, 'page-not-found');
    }
    const stillAllowed = () => gatekeeper.stillListening(tokenOf(req), jwt, decision.file);
    const sent = await sendAudio(req, res, audio.objects, decision.source, { sliceBytes: LISTEN_SLICE_BYTES, stillAllowed, logger: audio.logger });
    if (!sent) renderProblem(res, 'recording-unavailable');
  };
  // Two routes rather than one with a list of paths, so the request log names each by its own pattern.
  router.get('/r/:token/listen', listen);
  router.get('/r/:token/listen/:file', listen);

  return router;
}
