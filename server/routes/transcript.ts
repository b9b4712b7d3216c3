import { Router, type Request, type Response } from 'express';
import { ObjectStoreUnavailable } from '../objects/s3Objects';
import { LINK_TOKEN_MAX_LENGTH } from '../policy/linkToken';
import { clockTime, TRANSCRIPT_FORMAT, transcriptPlainText } from '../policy/transcript';
import type { Gatekeeper, ResolvedLink } from '../services/gatekeeper';
import type { StoredTranscript, Transcripts } from '../services/transcripts';
import { SESSION_COOKIE } from './claimant';
import type { RenderProblem } from './problems';


/** What the recording page shows of a transcript: every cue with its time, and where to download it. */
export interface TranscriptLocals {
  transcript?: {
    cues: Array<{ start: number; end: number; clock: string; text: string }>;
    vttUrl: string;
    txtUrl: string;
  };
  /** There is one, but the bucket did not give it back just now. */
  transcriptUnavailable?: boolean;
}

const fileName = (resolved: ResolvedLink, extension: string) => `assessment-transcript-${resolved.recording.recorded_at.slice(0, 10)}.${extension}`;

/**
 * The claimant's side of a transcript: shown on the recording page beside the player, and
 * downloaded as `.vtt` or as plain text. Downloads pass the same checks as listening: an open link
 * and a live session for it.
 */
export function claimantTranscripts(gatekeeper: Gatekeeper, transcripts: Transcripts, renderProblem: RenderProblem) {
  const router = Router();

  /** The stored transcript for an open link with a live session; answers for itself otherwise. */
  async function transcriptFor(req: Request, res: Response): Promise<{ resolved: ResolvedLink; stored: StoredTranscript } | undefined> {
    const token = String(req.params.token);
    const resolved = token.length <= LINK_TOKEN_MAX_LENGTH ? await gatekeeper.resolve(token) : undefined;
    if (!resolved || resolved.access.state !== 'open') {
      renderProblem(res, resolved ? 'recording-unavailable' : 'link-not-recognised');
      return undefined;
    }
    if (!(await gatekeeper.sessionFor(resolved, req.cookies?.[SESSION_COOKIE]))) {
      res.redirect(303, `/r/${token}`);
      return undefined;
    }
    const stored = await transcripts.read(resolved.recording.id);
    if (!stored) renderProblem(res, 'page-not-found');
    return stored ? { resolved, stored } : undefined;
  }

  router.get('/r/:token/transcript.vtt', async (req, res) => {
    const found = await transcriptFor(req, res);
    if (!found) return;
    res.attachment(fileName(found.resolved, TRANSCRIPT_FORMAT.extension)).type(`${TRANSCRIPT_FORMAT.contentType}; charset=utf-8`).send(found.stored.vtt);
  });

  router.get('/r/:token/transcript.txt', async (req, res) => {
    const found = await transcriptFor(req, res);
    if (!found) return;
    res.attachment(fileName(found.resolved, 'txt')).type('text/plain; charset=utf-8').send(transcriptPlainText(found.stored.cues));
  });

  return {
    router,
    /** For the recording page, whose route has checked the link and the session already. */
    async pageLocals(recordingId: string, linkPath: string): Promise<TranscriptLocals> {
      try {
        const stored = await transcripts.read(recordingId);
        if (!stored) return {};
        return {
          transcript: {
            cues: stored.cues.map((cue) => ({ ...cue, clock: clockTime(cue.start) })),
            vttUrl: `${linkPath}/transcript.vtt`,
            txtUrl: `${linkPath}/transcript.txt`,
          },
        };
      } catch (error) {
        if (!(error instanceof ObjectStoreUnavailable)) throw error;
        return { transcriptUnavailable: true };
      }
    },
  };
}

export type ClaimantTranscripts = ReturnType<typeof claimantTranscripts>;
