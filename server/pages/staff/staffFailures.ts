import type { Response } from 'express';
import type { Environment } from 'nunjucks';
import type { Failure } from '../../errors';
import { renderFromContext } from '../views';

/** What the staff console says when a request fails, in its own (English-only) words. */
const STAFF_FAILURES: Record<Failure, { status: number; title: string; message: string }> = {
  'too-large': { status: 413, title: 'What you sent was too large', message: 'Nothing was changed. Go back and try again.' },
  'bad-request': { status: 400, title: 'There is a problem with that request', message: 'Nothing was changed. Go back, reload the page and try again.' },
  'service-unavailable': {
    status: 503,
    title: 'The staff console is unavailable',
    message: 'A service the console needs is not answering. Try again in a few minutes; if you were making a change, check whether it was made first.',
  },
  'server-error': {
    status: 500,
    title: 'There is a problem with the staff console',
    message: 'Try again later; if you were making a change, check whether it was made first. If it keeps happening, tell the service desk.',
  },
};

/**
 * The console's page for a failed request. It is rendered without the signed-in member's navigation
 * and sign-out form: the failure may have come before the session was read, and the form would need
 * a CSRF token the failed request may not have.
 */
export function staffFailureRenderer(views: Environment) {
  return function renderStaffFailure(res: Response, failure: Failure): void {
    const { status, title, message } = STAFF_FAILURES[failure];
    renderFromContext(views, 'staff/problem', { pageTitle: title, message }, res, (html) => res.status(status).type('html').send(html));
  };
}
