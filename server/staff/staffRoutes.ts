import { hkdfSync } from 'node:crypto';
import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { doubleCsrf } from 'csrf-csrf';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';
import { InputError } from '../services/inputError';
import { MIN_PASSWORD_LENGTH, type StaffAccounts, type StaffMember } from './staffAccounts';
import type { StaffConsole } from './staffConsole';
import { parseReason, SIGN_IN_LIMITS, staffMay, type StaffAction } from './staffPolicy';
import { staffTranscriptRoutes } from './transcriptRoutes';

export const STAFF_SESSION_COOKIE = 'staff_session';
export const STAFF_CSRF_COOKIE = 'staff_csrf';

type SignedIn = StaffMember & { sessionHash: string };

const dateTime = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'Europe/London' });
const dateOnly = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeZone: 'Europe/London' });
const when = (date: Date | undefined) => (date ? dateTime.format(date) : undefined);

const staffOf = (res: Response): SignedIn | undefined => res.locals.staff;
const param = (req: Request, name: string) => String(req.params[name]);
/** Where a sign-in comes from, keyed as the sign-in rate limit keys it (an IPv6 address by its /56). */
const signInAddress = (req: Request) => ipKeyGenerator(req.ip ?? 'unknown');

/** Which form field each action's refusals belong to, so the error summary links to the right input. */
const FIELD_IDS: Record<string, Record<string, string>> = {
  reissue: {},
  postal: { reason: 'postal-reason', sentOn: 'sentOn-day' },
  download: { reason: 'download-reason' },
  hold: { reason: 'hold-reason' },
  lift: { reason: 'lift-reason' },
  deletion: { reason: 'deletion-reason' },
  transcript: { transcript: 'transcript-file', reason: 'transcript-reason' },
  'transcript-download': { reason: 'transcript-download-reason' },
};

/**
 * The support staff console under /staff. Sign-in needs email, password and a TOTP code; the session
 * is a random cookie whose hash is a server-side row (idle and absolute limits, sign-out). Every
 * form carries a double-submit CSRF token bound to the session; every action checks the role.
 */
export function staffRoutes(accounts: StaffAccounts, staffConsole: StaffConsole, sessionKey: Buffer, limiterStore?: Store): Router {
  const router = Router();
  const csrfSecret = Buffer.from(hkdfSync('sha256', sessionKey, '', 'staff console csrf', 32)).toString('base64');
  const csrf = doubleCsrf({
    getSecret: () => csrfSecret,
    getSessionIdentifier: (req) => (req.res ? (staffOf(req.res)?.sessionHash ?? 'signed-out') : 'signed-out'),
    cookieName: STAFF_CSRF_COOKIE,
    cookieOptions: { sameSite: 'strict', secure: true, httpOnly: true, path: '/staff' },
    getCsrfTokenFromRequest: (req) => (typeof req.body?._csrf === 'string' ? req.body._csrf : undefined),
  });
  // Slows password guessing from one address (counted in Redis when there is one, so every instance
  // counts the same tries); each account's hourly ceiling of failures stops guessing spread wider.
  const signInLimit = rateLimit({
    windowMs: 15 * 60_000,
    limit: 30,
    store: limiterStore,
    passOnStoreError: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, res) => problem(res, 429, 'Too many attempts to sign in', 'Wait 15 minutes, then try again.'),
  });

  function render(req: Request, res: Response, view: string, locals: Record<string, unknown>, status = 200) {
    res.status(status).render(`staff/${view}`, { staff: staffOf(res), csrfToken: csrf.generateCsrfToken(req, res), ...locals });
  }

  function problem(res: Response, status: number, title: string, message: string, back?: { href: string; text: string }) {
    const req = res.req;
    render(req, res, 'problem', { pageTitle: title, message, backHref: back?.href, backText: back?.text }, status);
  }

  function setSessionCookie(res: Response, token: string) {
    res.cookie(STAFF_SESSION_COOKIE, token, { httpOnly: true, secure: true, sameSite: 'strict', path: '/staff' });
  }

  const loadStaff: RequestHandler = async (req, res, next) => {
    const staff = await accounts.sessionStaff(req.cookies?.[STAFF_SESSION_COOKIE]);
    if (staff) res.locals.staff = staff;
    next();
  };

  const requireStaff: RequestHandler = (req, res, next) => {
    if (staffOf(res)) return next();
    const hadSession = typeof req.cookies?.[STAFF_SESSION_COOKIE] === 'string';
    res.clearCookie(STAFF_SESSION_COOKIE, { path: '/staff' });
    res.redirect(303, hadSession ? '/staff/sign-in?ended=1' : '/staff/sign-in');
  };

  const allow =
    (action: StaffAction): RequestHandler =>
    (_req, res, next) => {
      if (staffMay(staffOf(res)!.role, action)) return next();
      problem(res, 403, 'You cannot do this', 'Your role does not allow this action. Ask a supervisor if you need it done.', { href: '/staff/find', text: 'Find a recording' });
    };

  router.use(loadStaff);

  router.get('/sign-in', (req, res) => {
    if (staffOf(res)) return res.redirect(303, '/staff/find');
    render(req, res, 'sign-in', { pageTitle: 'Sign in', notice: req.query.ended ? 'Your session ended. Sign in again.' : undefined });
  });

  router.post('/sign-in', signInLimit, csrf.doubleCsrfProtection, async (req, res) => {
    const result = await accounts.signIn({ email: req.body?.email, password: req.body?.password, code: req.body?.code, address: signInAddress(req) });
    const email = typeof req.body?.email === 'string' && req.body.email.length <= 254 ? req.body.email : undefined;
    if (result.outcome === 'refused') {
      return render(
        req,
        res,
        'sign-in',
        { pageTitle: 'Sign in', email, lockAfter: SIGN_IN_LIMITS.perAddress, errors: [{ text: 'Enter a correct email address, password and security code', href: '#email' }] },
        401,
      );
    }
    setSessionCookie(res, result.sessionToken);
    res.redirect(303, result.staff.mustChoosePassword ? '/staff/password' : '/staff/find');
  });

  router.use(requireStaff);
  router.use(staffConsole.transcripts.uploadForm);
  router.use(csrf.doubleCsrfProtection);

  router.post('/sign-out', async (_req, res) => {
    await accounts.signOut(staffOf(res)!);
    res.clearCookie(STAFF_SESSION_COOKIE, { path: '/staff' });
    res.clearCookie(STAFF_CSRF_COOKIE, { path: '/staff' });
    res.redirect(303, '/staff/sign-in');
  });

  router.get('/password', (req, res) => render(req, res, 'password', { pageTitle: 'Choose your password', minLength: MIN_PASSWORD_LENGTH }));

  router.post('/password', async (req, res) => {
    try {
      await accounts.choosePassword(staffOf(res)!, { password: req.body?.password, confirm: req.body?.confirm });
      res.redirect(303, '/staff/find');
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      render(req, res, 'password', { pageTitle: 'Choose your password', minLength: MIN_PASSWORD_LENGTH, errors: [{ text: error.message, href: `#${error.field}` }], fieldErrors: { [error.field]: error.message } }, 400);
    }
  });

  // The one-time password from `staff add` opens nothing else.
  router.use((_req, res, next) => (staffOf(res)!.mustChoosePassword ? res.redirect(303, '/staff/password') : next()));

  router.get('/', (_req, res) => res.redirect(303, '/staff/find'));

  router.get('/find', allow('find'), (req, res) => render(req, res, 'find', { pageTitle: 'Find a recording', activeNav: 'find' }));

  router.post('/find', allow('find'), async (req, res) => {
    try {
      const results = await staffConsole.find(staffOf(res)!, req.body?.query);
      render(req, res, 'find', {
        pageTitle: 'Find a recording',
        activeNav: 'find',
        results: results.map((r) => ({ ...r, recordedOn: dateOnly.format(r.recordedAt) })),
      });
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      render(req, res, 'find', { pageTitle: 'Find a recording', activeNav: 'find', errors: [{ text: error.message, href: '#query' }] }, 400);
    }
  });

  async function renderRecording(req: Request, res: Response, recordingId: string, extra: { done?: string; error?: InputError; form?: string; opening?: boolean } = {}) {
    // Opening the page is the look at someone's record; the page shown again after an action is part of that action.
    const view = extra.opening ? await staffConsole.open(staffOf(res)!, recordingId) : await staffConsole.recording(recordingId);
    if (!view) return problem(res, 404, 'Recording not found', 'There is no recording with this address.', { href: '/staff/find', text: 'Find a recording' });
    const role = staffOf(res)!.role;
    const fieldId = extra.error ? (FIELD_IDS[extra.form ?? '']?.[extra.error.field] ?? extra.error.field) : undefined;
    render(
      req,
      res,
      'recording',
      {
        pageTitle: `Recording ${view.recording.assessmentRef}`,
        view,
        recordedOn: when(view.recording.recordedAt),
        retainUntil: dateOnly.format(view.recording.retainUntil),
        links: view.links.map((link) => ({
          ...link,
          sentAt: when(link.sentAt),
          endsAt: when(link.endsAt),
          timeline: link.timeline.map((entry) => ({ at: when(entry.at), text: entry.text })),
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
        done: extra.done,
        errors: extra.error && fieldId ? [{ text: extra.error.message, href: `#${fieldId}` }] : undefined,
        fieldErrors: extra.error && fieldId ? { [fieldId]: extra.error.message } : {},
      },
      extra.error ? 400 : 200,
    );
  }

  /** Runs an action; a refusal the staff member can fix is shown on the recording page, and nothing changed. */
  async function act(req: Request, res: Response, recordingId: string, form: string, action: () => Promise<string>) {
    try {
      const done = await action();
      await renderRecording(req, res, recordingId, { done });
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      await renderRecording(req, res, recordingId, { error, form });
    }
  }

  router.get('/recordings/:id', allow('view'), (req, res) => renderRecording(req, res, param(req, 'id'), { opening: true }));

  router.post('/recordings/:id/links', allow('reissue-link'), (req, res) =>
    act(req, res, param(req, 'id'), 'reissue', async () => {
      await staffConsole.reissue(staffOf(res)!, param(req, 'id'), { reason: req.body?.reason, phone: req.body?.phone, identityChecked: req.body?.identityChecked });
      return 'A new link has been sent. Earlier links no longer work.';
    }),
  );

  router.post('/links/:id/unlock', allow('unlock-link'), async (req, res) => {
    try {
      const { recordingId } = await staffConsole.unlockLink(staffOf(res)!, param(req, 'id'), req.body?.reason);
      await renderRecording(req, res, recordingId, { done: 'The link is unlocked. The claimant can try their National Insurance number again.' });
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      problem(res, 400, 'The link was not unlocked', error.message, { href: '/staff/find', text: 'Find a recording' });
    }
  });

  router.post('/recordings/:id/postal-copies', allow('record-postal-copy'), (req, res) =>
    act(req, res, param(req, 'id'), 'postal', async () => {
      const part = (name: string) => (typeof req.body?.[`sentOn-${name}`] === 'string' ? req.body[`sentOn-${name}`].trim() : '');
      const sentOn = `${part('year')}-${part('month').padStart(2, '0')}-${part('day').padStart(2, '0')}`;
      await staffConsole.recordPostalCopy(staffOf(res)!, param(req, 'id'), { kind: req.body?.kind, sentOn, addressLine: req.body?.addressLine, reason: req.body?.reason });
      return 'The copy has been recorded.';
    }),
  );

  router.post('/recordings/:id/download', allow('download-recording'), async (req, res) => {
    try {
      const url = await staffConsole.downloadUrl(staffOf(res)!, param(req, 'id'), req.body?.reason);
      res.redirect(303, url);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      await renderRecording(req, res, param(req, 'id'), { error, form: 'download' });
    }
  });

  router.post('/recordings/:id/legal-holds', allow('place-legal-hold'), (req, res) =>
    act(req, res, param(req, 'id'), 'hold', async () => {
      await staffConsole.placeLegalHold(staffOf(res)!, param(req, 'id'), req.body?.reason);
      return 'A legal hold has been placed. The recording will be kept until it is lifted.';
    }),
  );

  router.post('/recordings/:id/legal-holds/lift', allow('place-legal-hold'), (req, res) =>
    act(req, res, param(req, 'id'), 'lift', async () => {
      await staffConsole.liftLegalHold(staffOf(res)!, param(req, 'id'), req.body?.reason);
      return 'The legal hold has been lifted.';
    }),
  );

  router.post('/recordings/:id/deletion-request', allow('request-deletion'), (req, res) =>
    act(req, res, param(req, 'id'), 'deletion', async () => {
      const result = await staffConsole.requestDeletion(staffOf(res)!, param(req, 'id'), req.body?.reason);
      return result.blockedByLegalHold
        ? 'Deletion has been requested. A legal hold stands: the recording will be deleted once it is lifted.'
        : 'Deletion has been requested. The recording will be deleted at the next retention sweep.';
    }),
  );

  router.use(staffTranscriptRoutes(staffConsole.transcripts, { allow, staffOf, act, renderRecording }));

  router.get('/audit', allow('export-audit'), (req, res) => render(req, res, 'audit', { pageTitle: 'Export the audit log', activeNav: 'audit' }));

  router.post('/audit', allow('export-audit'), async (req, res) => {
    try {
      const { fileName, lines } = await staffConsole.exportAudit(staffOf(res)!, { from: req.body?.from, to: req.body?.to });
      res.attachment(fileName).type('application/x-ndjson').send(lines.map((line) => `${line}\n`).join(''));
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      render(req, res, 'audit', { pageTitle: 'Export the audit log', activeNav: 'audit', errors: [{ text: error.message, href: `#${error.field}` }], fieldErrors: { [error.field]: error.message } }, 400);
    }
  });

  router.get('/accounts', allow('unlock-staff-account'), async (req, res) => {
    const locked = await accounts.lockedAccounts();
    render(req, res, 'accounts', {
      pageTitle: 'Locked staff accounts',
      activeNav: 'accounts',
      accounts: locked.map((account) => ({
        id: account.id,
        email: account.email,
        role: account.role,
        where: account.lockedEverywhereUntil
          ? `everywhere until ${when(account.lockedEverywhereUntil)} (too many failed sign-ins in an hour)`
          : `at ${account.lockedAddresses === 1 ? 'one address' : `${account.lockedAddresses} addresses`} since ${when(account.lockedAt)}`,
      })),
    });
  });

  router.post('/accounts/:id/unlock', allow('unlock-staff-account'), async (req, res) => {
    const reason = parseReason(req.body?.reason);
    if (!reason.ok) return problem(res, 400, 'The account was not unlocked', `${reason.problem}.`, { href: '/staff/accounts', text: 'Back to locked accounts' });
    const unlocked = await accounts.unlock(param(req, 'id'), staffOf(res)!.id, reason.reason);
    if (!unlocked) return problem(res, 404, 'Account not found', 'No locked account has this address.', { href: '/staff/accounts', text: 'Back to locked accounts' });
    res.redirect(303, '/staff/accounts');
  });

  router.use((_req, res) => problem(res, 404, 'Page not found', 'Check the address, or find a recording.', { href: '/staff/find', text: 'Find a recording' }));

  // A missing or stale CSRF token: the form is refused and nothing changes.
  router.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (error !== csrf.invalidCsrfTokenError) return next(error);
    problem(res, 403, 'This form has expired', 'Nothing was changed. Go back, reload the page and try again.');
  });

  return router;
}
