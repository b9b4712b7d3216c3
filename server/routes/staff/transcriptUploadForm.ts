import busboy from 'busboy';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { StaffCsrf } from '../../middleware/staffCsrf';
import { signedInStaff } from '../../middleware/staffSessionCookie';
import type { StaffPages } from '../../pages/staff/staffPages';
import { staffMay } from '../../policy/staffPolicy';
import type { TranscriptForm } from '../../services/staff/transcriptActions';

/** Where the console's form posts a transcript. */
export const TRANSCRIPT_UPLOAD_PATH = '/recordings/:id/transcript';

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
export function transcriptUploadForm(maxBytes: number, checks: UploadFormChecks): RequestHandler {
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
