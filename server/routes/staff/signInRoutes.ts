import { Router, type RequestHandler } from 'express';
import type { Store } from 'express-rate-limit';
import { MIN_PASSWORD_LENGTH } from '../../services/staff/staffCredentials';
import { STAFF_CSRF_COOKIE } from '../../middleware/staffCsrf';
import { errorLocals, reshowingInputErrors, type StaffPages } from '../../pages/staff/staffPages';
import type { StaffPasswordChoice } from '../../services/staff/staffPasswordChoice';
import { SIGN_IN_LIMITS } from '../../policy/staffPolicy';
import { clearSessionCookie, setSessionCookie, signedInStaff, staffOf } from '../../middleware/staffSessionCookie';
import type { StaffSessions } from '../../services/staff/staffSessions';
import type { StaffSignIn } from '../../services/staff/staffSignIn';
import { signInAddress, signInRateLimit } from '../../middleware/signInRateLimit';

const SIGN_IN = { pageTitle: 'Sign in' };
const PASSWORD = { pageTitle: 'Choose your password', minLength: MIN_PASSWORD_LENGTH };

/** Sign-in: email, password and a TOTP code, behind a rate limit per address and the CSRF check. */
export function signInRoutes(accounts: StaffSignIn, pages: StaffPages, guards: { limiterStore?: Store; csrfProtection: RequestHandler }): Router {
  const router = Router();
  const tooManyAttempts: RequestHandler = (_req, res) => pages.problem(res, 429, 'Too many attempts to sign in', 'Wait 15 minutes, then try again.');

  router.get('/sign-in', (req, res) => {
    if (staffOf(res)) return res.redirect(303, '/staff/find');
    pages.render(req, res, 'sign-in', { ...SIGN_IN, notice: req.query.ended ? 'Your session ended. Sign in again.' : undefined });
  });

  router.post('/sign-in', signInRateLimit(guards.limiterStore, tooManyAttempts), guards.csrfProtection, async (req, res) => {
    const result = await accounts.signIn({ email: req.body?.email, password: req.body?.password, code: req.body?.code, address: signInAddress(req) });
    if (result.outcome === 'refused') {
      const email = typeof req.body?.email === 'string' && req.body.email.length <= 254 ? req.body.email : undefined;
      const errors = [{ text: 'Enter a correct email address, password and security code', href: '#email' }];
      return pages.render(req, res, 'sign-in', { ...SIGN_IN, email, lockAfter: SIGN_IN_LIMITS.perAddress, errors }, 401);
    }
    setSessionCookie(res, result.sessionToken);
    res.redirect(303, result.staff.mustChoosePassword ? '/staff/password' : '/staff/find');
  });

  return router;
}

/** Signed in: signing out, and the page where the one-time password from `staff add` is replaced. */
export function sessionRoutes(accounts: StaffSessions & StaffPasswordChoice, pages: StaffPages): Router {
  const router = Router();

  router.post('/sign-out', async (_req, res) => {
    await accounts.signOut(signedInStaff(res));
    clearSessionCookie(res);
    res.clearCookie(STAFF_CSRF_COOKIE, { path: '/staff' });
    res.redirect(303, '/staff/sign-in');
  });

  router.get('/password', (req, res) => pages.render(req, res, 'password', PASSWORD));

  router.post(
    '/password',
    reshowingInputErrors(
      async (req, res) => {
        await accounts.choosePassword(signedInStaff(res), { password: req.body?.password, confirm: req.body?.confirm });
        res.redirect(303, '/staff/find');
      },
      (req, res, error) => pages.render(req, res, 'password', { ...PASSWORD, ...errorLocals(error) }),
    ),
  );

  // The one-time password opens nothing else.
  router.use((_req, res, next) => (signedInStaff(res).mustChoosePassword ? res.redirect(303, '/staff/password') : next()));

  return router;
}
