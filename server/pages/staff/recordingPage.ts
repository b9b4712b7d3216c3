import type { Request, RequestHandler, Response } from 'express';
import type { InputError } from '../../services/inputError';
import type { RecordingView, StaffRecordingLookup } from '../../services/staff/recordingLookup';
import type { StaffMember } from '../../services/staff/staffCredentials';
import { errorLocals, FIND_A_RECORDING, param, reshowingInputErrors, type Locals, type StaffPages } from './staffPages';
import { signedInStaff } from '../../middleware/staffSessionCookie';
import { staffMay, type StaffRole } from '../../policy/staffPolicy';
import { staffDate, staffDateTime, staffDateTimeOf } from './staffDates';

/** The forms on the recording page whose refusals it shows. */
export type RecordingForm = 'reissue' | 'postal' | 'download' | 'hold' | 'lift' | 'deletion' | 'transcript' | 'transcript-download';

/** Which input each form's refusals belong to, so the error summary links to the right one. */
const FIELD_IDS: Record<RecordingForm, Record<string, string>> = {
  reissue: {},
  postal: { reason: 'postal-reason', sentOn: 'sentOn-day' },
  download: { reason: 'download-reason' },
  hold: { reason: 'hold-reason' },
  lift: { reason: 'lift-reason' },
  deletion: { reason: 'deletion-reason' },
  transcript: { transcript: 'transcript-file', reason: 'transcript-reason' },
  'transcript-download': { reason: 'transcript-download-reason' },
};

/** What the recording page shows after an action: what was done, or why a form was refused. */
export type Outcome = { done?: string; refused?: { error: InputError; form: RecordingForm } };

/** The form's three boxes as one ISO day ("2026-11-23"), for the service to check. */
export function sentOnOf(body: Record<string, unknown> | undefined) {
  const part = (name: string) => (typeof body?.[`sentOn-${name}`] === 'string' ? (body[`sentOn-${name}`] as string).trim() : '');
  return `${part('year')}-${part('month').padStart(2, '0')}-${part('day').padStart(2, '0')}`;
}

/** The recording page's locals: dates in UK time, and the forms the staff member's role may use. */
export function recordingPageLocals(view: RecordingView, role: StaffRole, outcome: Outcome): Locals {
  const { refused } = outcome;
  return {
    pageTitle: `Recording ${view.recording.assessmentRef}`,
    view,
    recordedOn: staffDateTime(view.recording.recordedAt),
    retainUntil: staffDate(view.recording.retainUntil),
    links: view.links.map((link) => ({
      ...link,
      sentAt: staffDateTime(link.sentAt),
      endsAt: staffDateTimeOf(link.endsAt),
      timeline: link.timeline.map((entry) => ({ at: staffDateTime(entry.at), text: entry.text })),
    })),
    postalCopies: view.postalCopies,
    may: {
      reissue: staffMay(role, 'reissue-link') && view.recording.available,
      unlock: staffMay(role, 'unlock-link'),
      postal: staffMay(role, 'record-postal-copy'),
      download: staffMay(role, 'download-recording'),
      hold: staffMay(role, 'place-legal-hold'),
      deletion: staffMay(role, 'request-deletion'),
      transcript: staffMay(role, 'attach-transcript'),
    },
    done: outcome.done,
    fieldErrors: {},
    ...(refused && errorLocals(refused.error, FIELD_IDS[refused.form][refused.error.field] ?? refused.error.field)),
  };
}

/** Showing the recording page, on its own or after an action on the recording at /recordings/:id. */
export function recordingPages(records: Pick<StaffRecordingLookup, 'open' | 'recording'>, pages: StaffPages) {
  async function show(req: Request, res: Response, recordingId: string, outcome: Outcome & { opening?: boolean }) {
    const staff = signedInStaff(res);
    // Opening the page is the look at someone's record; the page shown again after an action is part of that action.
    const view = outcome.opening ? await records.open(staff, recordingId) : await records.recording(recordingId);
    if (!view) return pages.problem(res, 404, 'Recording not found', 'There is no recording with this address.', FIND_A_RECORDING);
    pages.render(req, res, 'recording', recordingPageLocals(view, staff.role, outcome));
  }

  /** Runs the action; the page then says what was done, or shows why its form was refused. */
  function act(form: RecordingForm, action: (req: Request, staff: StaffMember, recordingId: string) => Promise<string>): RequestHandler {
    return reshowingInputErrors(
      async (req, res) => show(req, res, param(req, 'id'), { done: await action(req, signedInStaff(res), param(req, 'id')) }),
      (req, res, error) => show(req, res, param(req, 'id'), { refused: { error, form } }),
    );
  }

  return { show, act };
}
