import { Router } from 'express';
import { ObjectStoreUnavailable } from '../../objects/s3Objects';
import { clockTime, TRANSCRIPT_FORMAT, transcriptPlainText } from '../../policy/transcript';
import { inlineCueCount } from '../../policy/transcriptPage';
import type { ResolvedLink } from '../../services/gatekeeper';
import type { Transcripts } from '../../services/transcripts';
import type { ClaimantLinks } from './links';

/**
 * What the recording page shows of a transcript: its first cues with their times (policy/transcriptPage
 * says how many), how many there are in all, where the page's script loads every cue, and where to
 * download it.
 */
export interface TranscriptLocals {
  transcript?: {
    cues: Array<{ start: number; end: number; clock: string; text: string }>;
    total: number;
    complete: boolean;
    sha256: string;
    cuesUrl: string;
    vttUrl: string;
    txtUrl: string;
  };
  /** There is one, but the bucket did not give it back just now. */
  transcriptUnavailable?: boolean;
}

const fileName = (resolved: ResolvedLink, extension: string) => `assessment-transcript-${resolved.recording.recorded_at.slice(0, 10)}.${extension}`;

/** For the recording page, whose route has checked the link and the session already. */
export async function transcriptPageValues(transcripts: Pick<Transcripts, 'read'>, recordingId: string, linkPath: string): Promise<TranscriptLocals> {
  try {
    const stored = await transcripts.read(recordingId);
    if (!stored) return {};
    const shown = inlineCueCount(stored.cues);
    return {
      transcript: {
        cues: stored.cues.slice(0, shown).map((cue) => ({ ...cue, clock: clockTime(cue.start) })),
        total: stored.cues.length,
        complete: shown === stored.cues.length,
        sha256: stored.row.sha256,
        cuesUrl: `${linkPath}/transcript.json`,
        vttUrl: `${linkPath}/transcript.vtt`,
        txtUrl: `${linkPath}/transcript.txt`,
      },
    };
  } catch (error) {
    if (!(error instanceof ObjectStoreUnavailable)) throw error;
    return { transcriptUnavailable: true };
  }
}

/**
 * The transcript downloaded as `.vtt` or as plain text, and its cues as JSON for the recording page's
 * script. Each passes the same checks as listening: an open link and a live session for it. Like
 * every page with personal data the JSON is `no-store`, so a shared computer keeps none of it after
 * sign-out; it is compressed, and loaded once per page.
 */
export function transcriptRoutes({ renderProblem, openSession }: ClaimantLinks, transcripts: Pick<Transcripts, 'read'>): Router {
  const router = Router();
  const formats = {
    vtt: { extension: TRANSCRIPT_FORMAT.extension, type: TRANSCRIPT_FORMAT.contentType, body: (stored: { vtt: Buffer }) => stored.vtt },
    txt: { extension: 'txt', type: 'text/plain', body: (stored: { cues: Parameters<typeof transcriptPlainText>[0] }) => transcriptPlainText(stored.cues) },
  } as const;

  for (const [suffix, format] of Object.entries(formats)) {
    router.get(`/r/:token/transcript.${suffix}`, async (req, res) => {
      const signedIn = await openSession(req, res);
      if (!signedIn) return;
      const stored = await transcripts.read(signedIn.resolved.recording.id);
      if (!stored) return renderProblem(res, 'page-not-found');
      res.attachment(fileName(signedIn.resolved, format.extension)).type(`${format.type}; charset=utf-8`).send(format.body(stored));
    });
  }

  router.get('/r/:token/transcript.json', async (req, res) => {
    const signedIn = await openSession(req, res);
    if (!signedIn) return;
    // One read of the row and its file: a replacement meanwhile gives the new one, whole.
    const stored = await transcripts.read(signedIn.resolved.recording.id);
    if (!stored) return renderProblem(res, 'page-not-found');
    res.type('application/json; charset=utf-8').send(JSON.stringify({ sha256: stored.row.sha256, cues: stored.cues.map(({ start, end, text }) => ({ start, end, text })) }));
  });
  return router;
}
