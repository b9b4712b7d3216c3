import { Router, type Request, type Response } from 'express';
import type { PortalDeps } from '../deps';
import type { PortalServices } from '../services';
import { TranscriptRefused } from '../services/transcripts';
import type { TranscriptRow } from '../store/transcriptStore';
import { problemBody, type ProblemType } from './problems';
import { isUuid } from '../policy/uuid';

/** WebVTT is UTF-8 by definition: a charset, if given, must say so. */
const VTT_CONTENT_TYPE = /^text\/vtt\s*(;\s*charset="?utf-8"?\s*)?$/i;

const REFUSALS: Record<TranscriptRefused['problem'], ProblemType> = {
  'too-large': 'transcript-too-large',
  malformed: 'transcript-invalid',
  markup: 'transcript-invalid',
  empty: 'transcript-invalid',
  'past-end': 'transcript-invalid',
  'too-many-cues': 'transcript-invalid',
  'cue-too-long': 'transcript-invalid',
  'no-recording': 'not-found',
  'recording-unavailable': 'recording-unavailable',
};

function sendProblem(res: Response, type: ProblemType, detail?: string) {
  const body = problemBody(type, detail);
  res.status(body.status).type('application/problem+json').send(JSON.stringify(body));
}

const transcriptView = (row: TranscriptRow) => ({
  sha256: row.sha256,
  sizeBytes: row.size_bytes,
  cues: row.cue_count,
  attachedAt: row.attached_at,
});

/** The body, or undefined once it passes `maxBytes` (the rest is read and thrown away, so the client hears the answer). */
async function boundedBody(req: Request, maxBytes: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    length += chunk.length;
    if (length <= maxBytes) chunks.push(chunk);
  }
  return length <= maxBytes ? Buffer.concat(chunks) : undefined;
}

/**
 * A recording's transcript through the provider API: PUT attaches one (or replaces the one there),
 * GET says whether there is one. Mounted inside the API's router, after its key check, so
 * `res.locals.providerId` is the caller; another provider's recording is "not found".
 */
export function transcriptApiRoutes(deps: Pick<PortalDeps, 'providers' | 'config'>, services: Pick<PortalServices, 'transcripts'>): Router {
  const router = Router();
  const { providers } = deps;
  const maxBytes = deps.config.transcriptMaxBytes;
  const owns = async (res: Response, id: string) => isUuid(id) && providers.ownsRecording(res.locals.providerId, id);

  router.put('/recordings/:id/transcript', async (req, res) => {
    const recordingId = String(req.params.id);
    if (!VTT_CONTENT_TYPE.test(req.get('Content-Type') ?? '')) {
      req.resume();
      return sendProblem(res, 'not-vtt', 'send the transcript as the request body with Content-Type: text/vtt (UTF-8)');
    }
    const declared = Number(req.get('Content-Length'));
    if (Number.isSafeInteger(declared) && declared > maxBytes) {
      req.resume();
      res.setHeader('Connection', 'close');
      return sendProblem(res, 'transcript-too-large', `a transcript must be at most ${maxBytes} bytes`);
    }
    const vtt = await boundedBody(req, maxBytes);
    if (!vtt) return sendProblem(res, 'transcript-too-large', `a transcript must be at most ${maxBytes} bytes`);
    if (!(await owns(res, recordingId))) return sendProblem(res, 'not-found');
    try {
      const attached = await services.transcripts.attach({ recordingId, vtt, source: 'provider', actor: `provider:${res.locals.providerId}` });
      const { replaced, ...view } = attached;
      res
        .status(replaced ? 200 : 201)
        .location(`/api/v1/recordings/${recordingId}/transcript`)
        .json(view);
    } catch (error) {
      if (!(error instanceof TranscriptRefused)) throw error;
      sendProblem(res, REFUSALS[error.problem], error.message);
    }
  });

  router.get('/recordings/:id/transcript', async (req, res) => {
    const recordingId = String(req.params.id);
    const row = (await owns(res, recordingId)) ? await services.transcripts.current(recordingId) : undefined;
    if (!row) return sendProblem(res, 'not-found', 'no transcript is attached to this recording, or there is no such recording of yours');
    res.json(transcriptView(row));
  });

  return router;
}
