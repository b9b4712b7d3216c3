import { Router } from 'express';
import type { StaffAccountAdmin } from '../../services/staff/staffAccountAdmin';
import type { LockedAccount } from '../../store/staffStore';
import { staffDateTime, staffDateTimeOf } from '../../pages/staff/staffDates';
import { param, reshowingInputErrors, type StaffPages } from '../../pages/staff/staffPages';
import { signedInStaff } from '../../middleware/staffSessionCookie';

const BACK = { href: '/staff/accounts', text: 'Back to locked accounts' };

/** Where and until when an account is locked, in words. */
function lockedWhere(account: LockedAccount): string {
  if (account.lockedEverywhereUntil) return `everywhere until ${staffDateTime(account.lockedEverywhereUntil)} (too many failed sign-ins in an hour)`;
  const where = account.lockedAddresses === 1 ? 'one address' : `${account.lockedAddresses} addresses`;
  return `at ${where} since ${staffDateTimeOf(account.lockedAt)}`;
}

/** Supervisors only: the staff accounts locked by failed sign-ins, and unlocking them for a reason. */
export function accountRoutes(accounts: Pick<StaffAccountAdmin, 'lockedAccounts' | 'unlock'>, pages: StaffPages): Router {
  const router = Router();
  const onlySupervisors = pages.allow('unlock-staff-account');

  router.get('/accounts', onlySupervisors, async (req, res) => {
    const locked = await accounts.lockedAccounts();
    pages.render(req, res, 'accounts', {
      pageTitle: 'Locked staff accounts',
      activeNav: 'accounts',
      accounts: locked.map((account) => ({ id: account.id, email: account.email, role: account.role, where: lockedWhere(account) })),
    });
  });

  router.post(
    '/accounts/:id/unlock',
    onlySupervisors,
    reshowingInputErrors(
      async (req, res) => {
        const unlocked = await accounts.unlock(param(req, 'id'), signedInStaff(res).id, req.body?.reason);
        if (!unlocked) return pages.problem(res, 404, 'Account not found', 'No locked account has this address.', BACK);
        res.redirect(303, '/staff/accounts');
      },
      (_req, res, error) => pages.problem(res, 400, 'The account was not unlocked', `${error.message}.`, BACK),
    ),
  );

  return router;
}
