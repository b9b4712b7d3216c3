import { Router } from 'express';
import { TRANSCRIPT_FORMAT } from '../../policy/transcript';
import type { RecordingServices } from './recordingRoutes';
import { recordingPages } from '../../pages/staff/recordingPage';
import type { StaffTranscriptActions, TranscriptForm } from '../../services/staff/transcriptActions';
import { param, reshowingInputErrors, type StaffPages } from '../../pages/staff/staffPages';
import { signedInStaff } from '../../middleware/staffSessionCookie';

/** The console's transcript actions on a recording's page (after sign-in and the CSRF check). */
export function transcriptRoutes(transcripts: StaffTranscriptActions, records: RecordingServices, pages: StaffPages): Router {
  const router = Router();
  const { show: showRecording, act } = recordingPages(records, pages);

  router.post(
    '/recordings/:id/transcript',
    pages.allow('attach-transcript'),
    act('transcript', (req, staff, id) => transcripts.attach(staff, id, (req.body ?? {}) as TranscriptForm)),
  );
  router.post(
    '/recordings/:id/transcript/download',
    pages.allow('download-recording'),
    reshowingInputErrors(
      async (req, res) => {
        const { fileName, vtt } = await transcripts.download(signedInStaff(res), param(req, 'id'), req.body?.reason);
        res.attachment(fileName).type(`${TRANSCRIPT_FORMAT.contentType}; charset=utf-8`).send(vtt);
      },
      (req, res, error) => showRecording(req, res, param(req, 'id'), { refused: { error, form: 'transcript-download' } }),
    ),
  );
  return router;
}
