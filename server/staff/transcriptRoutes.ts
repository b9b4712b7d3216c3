import busboy from 'busboy';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { PortalDeps } from '../deps';
import { recordingAvailability } from '../policy/recordingAvailability';
import { TRANSCRIPT_FORMAT } from '../policy/transcript';
import { InputError } from '../services/inputError';
import { TranscriptRefused, type Transcripts } from '../services/transcripts';
import type { StaffMember } from './staffAccounts';
import type { StaffStore } from '../store/staffStore';
import { transcriptTimeline } from './linkTimeline';
import { parseReason } from './staffPolicy';

type StaffTranscriptDeps = Pick<PortalDeps, 'config' | 'clock' | 'store'> & { transcripts: Transcripts; staffStore: StaffStore };

/** What the recording page says of the transcript: the one there now, if any, and what happened to it. */
export interface TranscriptSummary {
  current: TranscriptFacts | undefined;
  /** Oldest first, each with its time as staff read it (UK time). */
  history: Array<{ at: string; text: string }>;
}

interface TranscriptFacts {
  /** UK time, as the page shows it. */
  attachedOn: string;
  cues: number;
  sizeBytes: number;
  sha256: string;
  /** Who attached it: a provider (through the API) or a staff member (through the console). */
  source: string;
}

/** The upload form as the multipart reader leaves it in `req.body`. */
interface TranscriptForm {
  _csrf?: string;
  reason?: string;
  transcript?: Buffer;
  transcriptTooLarge?: boolean;
}

const ukTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/London' });
const UPLOAD_PATH = /^\/recordings\/[^/]+\/transcript$/;

function requiredReason(input: unknown, field: string): string {
  const parsed = parseReason(input);
  if (!parsed.ok) throw new InputError(field, parsed.problem);
  return parsed.reason;
}

/**
 * Reads the upload form (multipart, so the page's form parser leaves it alone) into `req.body`
 * before the CSRF check, which wants its `_csrf` field. A file past the limit is not kept.
 */
function transcriptUploadForm(maxBytes: number): RequestHandler {
  return (req, _res, next) => {
    if (req.method !== 'POST' || !UPLOAD_PATH.test(req.path) || !req.is('multipart/form-data')) return next();
    const form: TranscriptForm = {};
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fields: 3, fieldSize: 4096, fileSize: maxBytes } });
    } catch {
      return next(Object.assign(new Error('unreadable form'), { status: 400 }));
    }
    parser.on('field', (name, value) => {
      if (name === '_csrf' || name === 'reason') form[name] = value;
    });
    parser.on('file', (name, file) => {
      const chunks: Buffer[] = [];
      file.on('data', (chunk: Buffer) => name === 'transcript' && chunks.push(chunk));
      file.on('limit', () => (form.transcriptTooLarge = true));
      file.on('close', () => {
        if (name === 'transcript' && !form.transcriptTooLarge) form.transcript = Buffer.concat(chunks);
      });
    });
    parser.on('close', () => {
      req.body = form;
      next();
    });
    parser.on('error', () => next(Object.assign(new Error('unreadable form'), { status: 400 })));
    req.pipe(parser);
  };
}

/**
 * A supervisor attaching a transcript in the console (made as a reasonable adjustment, say), and
 * handing one out with the audio for a right of access request. Both need a reason and are audited.
 */
export function staffTranscripts(deps: StaffTranscriptDeps) {
  const maxBytes = deps.config.transcriptMaxBytes;

  return {
    uploadForm: transcriptUploadForm(maxBytes),

    async summary(recordingId: string): Promise<TranscriptSummary> {
      const row = await deps.transcripts.current(recordingId);
      const events = await deps.store.auditTrail({ recordingId });
      const emails = await deps.staffStore.emailsById([...new Set(events.map((event) => event.actor))].filter((actor) => /^[0-9a-f-]{36}$/.test(actor)));
      const nameActor = (actor: string) => emails.get(actor) ?? (actor.startsWith('provider:') ? 'the assessment provider' : actor);
      const current = row && {
        attachedOn: ukTime.format(new Date(row.attached_at)),
        cues: row.cue_count,
        sizeBytes: row.size_bytes,
        sha256: row.sha256,
        source: row.source === 'provider' ? 'the assessment provider (API)' : 'a supervisor (console)',
      };
      return { current, history: transcriptTimeline(events, nameActor).map((entry) => ({ at: ukTime.format(entry.at), text: entry.text })) };
    },

    /** Supervisors only (the route checks). Refusals name the problem on the page; nothing is stored. */
    async attach(staff: StaffMember, recordingId: string, form: TranscriptForm): Promise<string> {
      const reason = requiredReason(form.reason, 'reason');
      if (form.transcriptTooLarge) throw new InputError('transcript', `The transcript must be at most ${Math.floor(maxBytes / 1024)} KB`);
      if (!form.transcript || form.transcript.length === 0) throw new InputError('transcript', 'Choose a WebVTT (.vtt) file');
      try {
        const attached = await deps.transcripts.attach({ recordingId, vtt: form.transcript, source: 'staff', actor: staff.id, reason });
        return attached.replaced
          ? `The transcript has been replaced (${attached.cues} cues). The earlier one is deleted.`
          : `The transcript has been attached (${attached.cues} cues). The claimant can read it beside the player.`;
      } catch (error) {
        if (!(error instanceof TranscriptRefused)) throw error;
        throw new InputError(error.problem === 'no-recording' ? 'recording' : 'transcript', `The transcript was not attached: ${error.message}`);
      }
    },

    /** The transcript file, for a right of access request: audited first, with the reason. */
    async download(staff: StaffMember, recordingId: string, reasonInput: unknown): Promise<{ fileName: string; vtt: Buffer }> {
      const reason = requiredReason(reasonInput, 'reason');
      const recording = await deps.store.findRecording(recordingId);
      if (!recording || !recordingAvailability(recording, deps.clock()).available) throw new InputError('recording', 'This recording is no longer available');
      const stored = await deps.transcripts.read(recording.id);
      if (!stored) throw new InputError('reason', 'This recording has no transcript to download');
      await deps.store.recordEvent(deps.clock(), { type: 'transcript.staff-download', actor: staff.id, recordingId, detail: { reason, sha256: stored.row.sha256 } });
      return { fileName: `assessment-transcript-${recording.assessment_ref}.${TRANSCRIPT_FORMAT.extension}`, vtt: stored.vtt };
    },
  };
}

export type StaffTranscripts = ReturnType<typeof staffTranscripts>;

/** What the console's router lends the transcript routes: its role check and its recording page. */
export interface StaffPageTools {
  allow: (action: 'attach-transcript' | 'download-recording') => RequestHandler;
  staffOf: (res: Response) => StaffMember | undefined;
  act: (req: Request, res: Response, recordingId: string, form: string, action: () => Promise<string>) => Promise<void>;
  renderRecording: (req: Request, res: Response, recordingId: string, extra: { error?: InputError; form?: string }) => Promise<void>;
}

/** The console's transcript actions, mounted inside its router (after sign-in and the CSRF check). */
export function staffTranscriptRoutes(transcripts: StaffTranscripts, page: StaffPageTools): Router {
  const router = Router();
  const id = (req: Request) => String(req.params.id);

  router.post('/recordings/:id/transcript', page.allow('attach-transcript'), (req, res) =>
    page.act(req, res, id(req), 'transcript', () => transcripts.attach(page.staffOf(res)!, id(req), (req.body ?? {}) as TranscriptForm)),
  );

  router.post('/recordings/:id/transcript/download', page.allow('download-recording'), async (req, res) => {
    try {
      const { fileName, vtt } = await transcripts.download(page.staffOf(res)!, id(req), req.body?.reason);
      res.attachment(fileName).type(`${TRANSCRIPT_FORMAT.contentType}; charset=utf-8`).send(vtt);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      await page.renderRecording(req, res, id(req), { error, form: 'transcript-download' });
    }
  });

  return router;
}
