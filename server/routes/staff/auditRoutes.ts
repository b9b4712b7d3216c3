import { Router } from 'express';
import type { StaffAuditExport } from '../../services/staff/auditExport';
import { errorLocals, reshowingInputErrors, type StaffPages } from '../../pages/staff/staffPages';
import { signedInStaff } from '../../middleware/staffSessionCookie';

const AUDIT = { pageTitle: 'Export the audit log', activeNav: 'audit' };

/** Auditors only: the audit log of a period, downloaded as JSON lines. */
export function auditRoutes(audit: StaffAuditExport, pages: StaffPages): Router {
  const router = Router();
  const onlyAuditors = pages.allow('export-audit');

  router.get('/audit', onlyAuditors, (req, res) => pages.render(req, res, 'audit', AUDIT));

  router.post(
    '/audit',
    onlyAuditors,
    reshowingInputErrors(
      async (req, res) => {
        const { fileName, lines } = await audit.exportAudit(signedInStaff(res), { from: req.body?.from, to: req.body?.to });
        res.attachment(fileName).type('application/x-ndjson').send(lines.map((line) => `${line}\n`).join(''));
      },
      (req, res, error) => pages.render(req, res, 'audit', { ...AUDIT, ...errorLocals(error) }),
    ),
  );

  return router;
}
