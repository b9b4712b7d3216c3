import { Router } from 'express';
import type { Logger } from 'pino';
import type { ObjectStorage } from '../../objects/s3Objects';
import { sendAudio } from '../audioResponse';
import { backToLink, type ClaimantLinks } from './links';

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

/** What a signed-in claimant reads on the recording page: the player's audio and the signed manifest. */
export function listeningRoutes({ gatekeeper, renderProblem, openLink, sessionOf, openSession }: ClaimantLinks, audio: AudioDelivery): Router {
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

  /** Every range the player asks for is checked against the session, so listening ends with it. */
  router.get('/r/:token/listen', async (req, res) => {
    const resolved = await openLink(req, res);
    if (!resolved) return;
    // Refused outright rather than sent to the NINO step: a player that follows a redirect to a page
    // only stalls, while a refusal makes it report an error, which the page answers (listening.mjs).
    if (!(await sessionOf(req, resolved))) return renderProblem(res, 'session-ended', backToLink(req, res));
    const sent = await sendAudio(req, res, audio.objects, gatekeeper.listenSource(resolved), { maxSliceBytes: LISTEN_SLICE_BYTES, logger: audio.logger });
    if (!sent) renderProblem(res, 'recording-unavailable');
  });

  return router;
}
