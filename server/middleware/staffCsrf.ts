import { hkdfSync } from 'node:crypto';
import { doubleCsrf } from 'csrf-csrf';
import { staffOf } from './staffSessionCookie';

export const STAFF_CSRF_COOKIE = 'staff_csrf';

/**
 * Every staff form carries a double-submit CSRF token bound to the session (or to being signed out,
 * for the sign-in form), signed with a key derived from the session key.
 */
export function staffCsrf(sessionKey: Buffer) {
  const csrfSecret = Buffer.from(hkdfSync('sha256', sessionKey, '', 'staff console csrf', 32)).toString('base64');
  return doubleCsrf({
    getSecret: () => csrfSecret,
    getSessionIdentifier: (req) => (req.res ? (staffOf(req.res)?.sessionHash ?? 'signed-out') : 'signed-out'),
    cookieName: STAFF_CSRF_COOKIE,
    cookieOptions: { sameSite: 'strict', secure: true, httpOnly: true, path: '/staff' },
    getCsrfTokenFromRequest: (req) => (typeof req.body?._csrf === 'string' ? req.body._csrf : undefined),
  });
}

export type StaffCsrf = ReturnType<typeof staffCsrf>;
