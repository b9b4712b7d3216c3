import busboy from 'busboy';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { TRANSCRIPT_FORMAT } from '../policy/transcript';
import { InputError } from '../services/inputError';
import { TranscriptRefused } from '../services/transcripts';
import type { TranscriptRow } from '../store/transcriptStore';
import { transcriptTimeline, type NameActor } from './linkTimeline';
import type { StaffMember } from './staffCredentials';
import type { StaffCsrf } from './staffCsrf';
import type { StaffPages } from './staffPages';
import { staffMay } from './staffPolicy';
import { staffDateTime } from './staffDates';
import { isAvailable, recordingOrFail, requiredReason, type ConsoleDeps } from './staffRecords';
import { signedInStaff } from './staffSessionCookie';

/** What the recording page says of the transcript: the one there now, if any, and what happened to it. */
export interface TranscriptSummary {
  current: { attachedOn: string; cues: number; sizeBytes: number; sha256: string; source: string } | undefined;
  /** Oldest first, each with its time as staff read it (UK time). */
  history: Array<{ at: string; text: string }>;
}

/** The upload form as the multipart reader leaves it in `req.body`. */
export interface TranscriptForm {
  _csrf?: string;
  reason?: string;
  transcript?: Buffer;
  transcriptTooLarge?: boolean;
}

/** Where the console's form posts a transcript. */
export const TRANSCRIPT_UPLOAD_PATH = '/recordings/:id/transcript';

/** The transcript part of the recording page, from the events the page has already read. */
export function transcriptSummary(row: TranscriptRow | undefined, events: Parameters<typeof transcriptTimeline>[0], nameActor: NameActor): TranscriptSummary {
  const current = row && {
    attachedOn: staffDateTime(new Date(row.attached_at)),
    cues: row.cue_count,
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
    source: row.source === 'provider' ? 'the assessment provider (API)' : 'a supervisor (console)',
  };
  return { current, history: transcriptTimeline(events, nameActor).map((entry) => ({ at: staffDateTime(entry.at), text: entry.text })) };
}

/** What the upload form needs from the console around it: the role check's page and the CSRF check. */
export interface UploadFormChecks {
  pages: Pick<StaffPages, 'allow'>;
  csrf: Pick<StaffCsrf, 'validateRequest' | 'invalidCsrfTokenError'>;
}

/** Room for the form's fields and multipart framing around the file; past it the rest is not read. */
const FORM_OVERHEAD_BYTES = 64 * 1024;

/**
 * Reads the upload form (multipart, so the page's form parser leaves it alone) into `req.body`. Who
 * may not attach a transcript is refused before a byte of the body is read. The CSRF token (the
 * page's form sends `_csrf` first) is checked as the file part begins, so a forged form's file is
 * never taken in. A file past the limit is not kept, and a body far past it is not read on. Every
 * way the body can end (whole, malformed, cut off, refused) calls `next` exactly once.
 */
function transcriptUploadForm(maxBytes: number, checks: UploadFormChecks): RequestHandler {
  return (req, res, next) => {
    if (!req.is('multipart/form-data')) return next();
    if (!staffMay(signedInStaff(res).role, 'attach-transcript')) {
      // The body is not read: the connection closes once the refusal is sent.
      res.setHeader('Connection', 'close');
      return checks.pages.allow('attach-transcript')(req, res, next);
    }
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fields: 3, fieldSize: 4096, fileSize: maxBytes } });
    } catch {
      return next(unreadable());
    }
    return readTranscriptForm(req, res, parser, maxBytes, checks.csrf, next);
  };
}

const unreadable = () => Object.assign(new Error('unreadable form'), { status: 400 });

function readTranscriptForm(req: Request, res: Response, parser: busboy.Busboy, maxBytes: number, csrf: UploadFormChecks['csrf'], next: NextFunction): void {
  const form: TranscriptForm = {};
  let done = false;
  /** The one way out: the body read (no error) or given up on (the connection is then closed). */
  const finish = (error?: Error) => {
    if (done) return;
    done = true;
    req.unpipe(parser);
    if (error || !req.complete) res.setHeader('Connection', 'close');
    if (!error) req.body = form;
    next(error);
  };
  let received = 0;
  req.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (received <= maxBytes + FORM_OVERHEAD_BYTES) return;
    form.transcriptTooLarge = true;
    finish();
  });
  // A client that goes mid-body: nobody hears the answer, but the request must end.
  req.on('error', () => finish(unreadable()));
  req.on('close', () => req.complete || finish(unreadable()));
  parser.on('field', (name, value) => {
    if (name === '_csrf' || name === 'reason') form[name] = value;
  });
  parser.on('file', (name, file) => {
    file.on('error', () => finish(unreadable()));
    if (!tokenAccepted(req, form, csrf)) {
      file.resume();
      return finish(csrf.invalidCsrfTokenError);
    }
    if (name !== 'transcript') return file.resume();
    const chunks: Buffer[] = [];
    file.on('data', (chunk: Buffer) => chunks.push(chunk));
    file.on('limit', () => (form.transcriptTooLarge = true));
    file.on('end', () => {
      if (!form.transcriptTooLarge) form.transcript = Buffer.concat(chunks);
    });
  });
  parser.on('close', () => finish());
  parser.on('error', () => finish(unreadable()));
  req.pipe(parser);
}

/** The CSRF token among the fields sent so far (the form sends it before the file), checked as the page's forms are. */
function tokenAccepted(req: Request, form: TranscriptForm, csrf: UploadFormChecks['csrf']): boolean {
  req.body = { _csrf: form._csrf };
  return csrf.validateRequest(req);
}

/**
 * A supervisor attaching a transcript in the console (made as a reasonable adjustment, say), and
 * handing one out with the audio for a right of access request. Both need a reason and are audited.
 */
export function staffTranscriptActions(deps: Pick<ConsoleDeps, 'config' | 'clock' | 'audit' | 'recordings' | 'transcripts'>) {
  const maxBytes = deps.config.transcriptMaxBytes;
  return {
    uploadForm: (checks: UploadFormChecks) => transcriptUploadForm(maxBytes, checks),

    /** Supervisors only (the route checks). Refusals name the problem on the page; nothing is stored. */
    async attach(staff: StaffMember, recordingId: string, form: TranscriptForm): Promise<string> {
      const reason = requiredReason(form.reason);
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
      const reason = requiredReason(reasonInput);
      const recording = await recordingOrFail(deps, recordingId);
      if (!isAvailable(recording, deps.clock())) throw new InputError('recording', 'This recording is no longer available');
      const stored = await deps.transcripts.read(recording.id);
      if (!stored) throw new InputError('reason', 'This recording has no transcript to download');
      await deps.audit.recordEvent(deps.clock(), { type: 'transcript.staff-download', actor: staff.id, recordingId, detail: { reason, sha256: stored.row.sha256 } });
      return { fileName: `assessment-transcript-${recording.assessment_ref}.${TRANSCRIPT_FORMAT.extension}`, vtt: stored.vtt };
    },
  };
}

export type StaffTranscriptActions = ReturnType<typeof staffTranscriptActions>;
