import type { Request, RequestHandler, Response } from 'express';
import { InputError } from '../../services/inputError';
import type { StaffCsrf } from '../../middleware/staffCsrf';
import { staffMay, type StaffAction } from '../../policy/staffPolicy';
import { signedInStaff, staffOf } from '../../middleware/staffSessionCookie';

export type Locals = Record<string, unknown>;
export type BackLink = { href: string; text: string };
export const FIND_A_RECORDING: BackLink = { href: '/staff/find', text: 'Find a recording' };

/** How every staff router answers with a page. */
export interface StaffPages {
  /** A page from views/staff, with the staff member and a fresh CSRF token for its forms. */
  render(req: Request, res: Response, view: string, locals: Locals, status?: number): void;
  /** A page that says what went wrong and where to go next. */
  problem(res: Response, status: number, title: string, message: string, back?: BackLink): void;
  /** Lets the request on only if the staff member's role allows the action. */
  allow(action: StaffAction): RequestHandler;
}

export function staffPages(csrf: Pick<StaffCsrf, 'generateCsrfToken'>): StaffPages {
  const pages: StaffPages = {
    render(req, res, view, locals, status) {
      if (status !== undefined) res.status(status);
      res.render(`staff/${view}`, { staff: staffOf(res), csrfToken: csrf.generateCsrfToken(req, res), ...locals });
    },
    problem(res, status, title, message, back) {
      pages.render(res.req, res, 'problem', { pageTitle: title, message, backHref: back?.href, backText: back?.text }, status);
    },
    allow: (action) => (_req, res, next) => {
      if (staffMay(signedInStaff(res).role, action)) return next();
      pages.problem(res, 403, 'You cannot do this', 'Your role does not allow this action. Ask a supervisor if you need it done.', FIND_A_RECORDING);
    },
  };
  return pages;
}

type Handler = (req: Request, res: Response) => unknown;
type Reshow = (req: Request, res: Response, error: InputError) => unknown;

/**
 * The one place a refusal the staff member can fix becomes an answer: the handler's `InputError` is
 * shown by `reshow`, with status 400, and nothing was changed. Any other error goes to the error handler.
 */
export function reshowingInputErrors(handler: Handler, reshow: Reshow): RequestHandler {
  return async (req, res) => {
    try {
      await handler(req, res);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      res.status(400);
      await reshow(req, res, error);
    }
  };
}

/** The error summary's link and the message by the field, for a form page shown again. */
export const errorLocals = (error: InputError, fieldId = error.field): Locals => ({
  errors: [{ text: error.message, href: `#${fieldId}` }],
  fieldErrors: { [fieldId]: error.message },
});

export const param = (req: Request, name: string) => String(req.params[name]);
