import type { Request, RequestHandler, Response } from 'express';
import type { SignedInStaff, StaffSessions } from '../services/staff/staffSessions';

export const STAFF_SESSION_COOKIE = 'staff_session';
const COOKIE_PATH = { path: '/staff' } as const;

/** The staff member signed in for this request, if any. */
export const staffOf = (res: Response): SignedInStaff | undefined => res.locals.staff;

/** The staff member behind a route that only signed-in staff reach. */
export const signedInStaff = (res: Response): SignedInStaff => staffOf(res)!;

export function setSessionCookie(res: Response, token: string) {
  res.cookie(STAFF_SESSION_COOKIE, token, { httpOnly: true, secure: true, sameSite: 'strict', ...COOKIE_PATH });
}

export const clearSessionCookie = (res: Response) => res.clearCookie(STAFF_SESSION_COOKIE, COOKIE_PATH);

export function loadStaff(sessions: Pick<StaffSessions, 'sessionStaff'>): RequestHandler {
  return async (req, res, next) => {
    const staff = await sessions.sessionStaff(req.cookies?.[STAFF_SESSION_COOKIE]);
    if (staff) res.locals.staff = staff;
    next();
  };
}

/** Everything past sign-in: without a live session, back to sign-in, saying so if a session has ended. */
export const requireStaff: RequestHandler = (req: Request, res, next) => {
  if (staffOf(res)) return next();
  const hadSession = typeof req.cookies?.[STAFF_SESSION_COOKIE] === 'string';
  clearSessionCookie(res);
  res.redirect(303, hadSession ? '/staff/sign-in?ended=1' : '/staff/sign-in');
};
