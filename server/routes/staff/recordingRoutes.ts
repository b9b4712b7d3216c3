import { Router } from 'express';
import type { StaffLinkActions } from '../../services/staff/linkActions';
import type { StaffPostalCopies } from '../../services/staff/postalCopies';
import type { StaffRecordingDownload } from '../../services/staff/recordingDownload';
import type { StaffRecordingLookup } from '../../services/staff/recordingLookup';
import { recordingPages, sentOnOf } from '../../pages/staff/recordingPage';
import type { StaffRecordingRetention } from '../../services/staff/recordingRetention';
import { staffDate } from '../../pages/staff/staffDates';
import { errorLocals, FIND_A_RECORDING, param, reshowingInputErrors, type StaffPages } from '../../pages/staff/staffPages';
import { signedInStaff } from '../../middleware/staffSessionCookie';

export type RecordingServices = StaffRecordingLookup & StaffLinkActions & StaffPostalCopies & StaffRecordingRetention & StaffRecordingDownload;

const FIND = { pageTitle: 'Find a recording', activeNav: 'find' };

/** What the recording page says once an action is done. */
const DONE = {
  reissue: 'A new link has been sent. Earlier links no longer work.',
  unlock: 'The link is unlocked. The claimant can try their National Insurance number again.',
  postal: 'The copy has been recorded.',
  hold: 'A legal hold has been placed. The recording will be kept until it is lifted.',
  lift: 'The legal hold has been lifted.',
  deletion: 'Deletion has been requested. The recording will be deleted at the next retention sweep.',
  deletionHeld: 'Deletion has been requested. A legal hold stands: the recording will be deleted once it is lifted.',
};

/** Finding a recording, its page, and the actions on it and its links; each action checks the role first. */
export function recordingRoutes(records: RecordingServices, pages: StaffPages): Router {
  const router = Router();
  const { allow } = pages;
  const { show: showRecording, act } = recordingPages(records, pages);

  router.get('/find', allow('find'), (req, res) => pages.render(req, res, 'find', FIND));
  router.post(
    '/find',
    allow('find'),
    reshowingInputErrors(
      async (req, res) => {
        const results = await records.find(signedInStaff(res), req.body?.query);
        pages.render(req, res, 'find', { ...FIND, results: results.map((r) => ({ ...r, recordedOn: staffDate(r.recordedAt) })) });
      },
      (req, res, error) => pages.render(req, res, 'find', { ...FIND, ...errorLocals(error) }),
    ),
  );

  router.get('/recordings/:id', allow('view'), (req, res) => showRecording(req, res, param(req, 'id'), { opening: true }));
  router.post(
    '/recordings/:id/links',
    allow('reissue-link'),
    act('reissue', (req, staff, id) => records.reissue(staff, id, { reason: req.body?.reason, phone: req.body?.phone, identityChecked: req.body?.identityChecked }).then(() => DONE.reissue)),
  );
  router.post(
    '/recordings/:id/postal-copies',
    allow('record-postal-copy'),
    act('postal', (req, staff, id) => records.recordPostalCopy(staff, id, { kind: req.body?.kind, sentOn: sentOnOf(req.body), addressLine: req.body?.addressLine, reason: req.body?.reason }).then(() => DONE.postal)),
  );
  router.post('/recordings/:id/legal-holds', allow('place-legal-hold'), act('hold', (req, staff, id) => records.placeLegalHold(staff, id, req.body?.reason).then(() => DONE.hold)));
  router.post('/recordings/:id/legal-holds/lift', allow('place-legal-hold'), act('lift', (req, staff, id) => records.liftLegalHold(staff, id, req.body?.reason).then(() => DONE.lift)));
  router.post(
    '/recordings/:id/deletion-request',
    allow('request-deletion'),
    act('deletion', (req, staff, id) => records.requestDeletion(staff, id, req.body?.reason).then((result) => (result.blockedByLegalHold ? DONE.deletionHeld : DONE.deletion))),
  );

  router.post(
    '/recordings/:id/download',
    allow('download-recording'),
    reshowingInputErrors(
      async (req, res) => res.redirect(303, await records.downloadUrl(signedInStaff(res), param(req, 'id'), req.body?.reason)),
      (req, res, error) => showRecording(req, res, param(req, 'id'), { refused: { error, form: 'download' } }),
    ),
  );
  router.post(
    '/links/:id/unlock',
    allow('unlock-link'),
    reshowingInputErrors(
      async (req, res) => showRecording(req, res, (await records.unlockLink(signedInStaff(res), param(req, 'id'), req.body?.reason)).recordingId, { done: DONE.unlock }),
      (_req, res, error) => pages.problem(res, 400, 'The link was not unlocked', error.message, FIND_A_RECORDING),
    ),
  );

  return router;
}
