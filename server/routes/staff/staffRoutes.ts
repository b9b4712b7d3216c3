import { Router, type NextFunction, type Request, type Response } from 'express';
import type { Store } from 'express-rate-limit';
import { accountRoutes } from './accountRoutes';
import { auditRoutes } from './auditRoutes';
import { recordingRoutes } from './recordingRoutes';
import { sessionRoutes, signInRoutes } from './signInRoutes';
import type { StaffAccounts } from '../../services/staff/staffAccounts';
import type { StaffConsole } from '../../services/staff/staffConsole';
import { staffCsrf } from '../../middleware/staffCsrf';
import { FIND_A_RECORDING, staffPages } from '../../pages/staff/staffPages';
import { loadStaff, requireStaff } from '../../middleware/staffSessionCookie';
import { TRANSCRIPT_UPLOAD_PATH, transcriptUploadForm } from './transcriptUploadForm';
import { transcriptRoutes } from './transcriptRoutes';

/**
 * The support staff console under /staff, in the order a request meets it. Sign-in needs email,
 * password and a TOTP code; the session is a random cookie whose hash is a server-side row (idle and
 * absolute limits, sign-out). Every form carries a double-submit CSRF token bound to the session;
 * every action checks the role.
 */
export function staffRoutes(accounts: StaffAccounts, staffConsole: StaffConsole, sessionKey: Buffer, limiterStore?: Store): Router {
  const router = Router();
  const csrf = staffCsrf(sessionKey);
  const pages = staffPages(csrf);

  router.use(loadStaff(accounts));
  router.use(signInRoutes(accounts, pages, { limiterStore, csrfProtection: csrf.doubleCsrfProtection }));

  router.use(requireStaff);
  // Before the CSRF check, which wants the form's `_csrf` field; the upload checks the role and the token itself, before taking the file.
  router.post(TRANSCRIPT_UPLOAD_PATH, transcriptUploadForm(staffConsole.transcripts.maxBytes, { pages, csrf }));
  router.use(csrf.doubleCsrfProtection);
  router.use(sessionRoutes(accounts, pages));

  router.get('/', (_req, res) => res.redirect(303, '/staff/find'));
  router.use(recordingRoutes(staffConsole, pages));
  router.use(transcriptRoutes(staffConsole.transcripts, staffConsole, pages));
  router.use(auditRoutes(staffConsole, pages));
  router.use(accountRoutes(accounts, pages));

  router.use((_req, res) => pages.problem(res, 404, 'Page not found', 'Check the address, or find a recording.', FIND_A_RECORDING));

  // A missing or stale CSRF token: the form is refused and nothing changes.
  router.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (error !== csrf.invalidCsrfTokenError) return next(error);
    pages.problem(res, 403, 'This form has expired', 'Nothing was changed. Go back, reload the page and try again.');
  });

  return router;
}
