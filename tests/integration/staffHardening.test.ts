import argon2 from 'argon2';
import express, { type Express } from 'express';
import type { StaffTables } from '../../server/store/staffSchema';
import { ClaimantBrowser } from '../support/claimantBrowser';
import { newStaffAccount, signedInStaff, StaffBrowser, totpCode, type AccountCredentials } from '../support/staffBrowser';
import { startTestPortal, type TestPortal } from '../support/testPortal';
import { DATABASE_KINDS, freshPostgresSchema, POSTGRES_URL } from '../support/testServices';

let portal: TestPortal;
let dropSchema: (() => Promise<void>) | undefined;
async function startPortal(kind: 'sqlite' | 'postgres') {
  const schema = kind === 'postgres' ? await freshPostgresSchema(POSTGRES_URL!) : undefined;
  dropSchema = schema?.drop;
  // One proxy hop in front, as in production: X-Forwarded-For names the address a sign-in comes from.
  portal = await startTestPortal({ TRUST_PROXY: '1', ...(schema ? { DATABASE_URL: schema.url } : {}) });
}
afterEach(async () => {
  jest.restoreAllMocks();
  await portal.close();
  await dropSchema?.();
  dropSchema = undefined;
});

const ADDRESS_A = '203.0.113.7';
const ADDRESS_B = '198.51.100.9';
const WRONG_PASSWORD = 'not the password at all';

/** The portal as reached through the proxy from one address. */
function fromAddress(address: string): Express {
  const proxy = express();
  proxy.disable('x-powered-by');
  proxy.use((req, _res, next) => {
    req.headers['x-forwarded-for'] = address;
    next();
  });
  proxy.use(portal.app);
  return proxy;
}

const auditOf = async (type: string) => (await portal.audit.auditEvents()).filter((event) => event.type === type);
const staffDb = () => portal.db.withTables<StaffTables>();
const failuresAt = async (email: string, address: string) =>
  (
    await staffDb()
      .selectFrom('staff_signin_failures')
      .innerJoin('staff_accounts', 'staff_accounts.id', 'staff_signin_failures.staff_id')
      .select(['failures', 'staff_signin_failures.locked_at', 'hour_failures'])
      .where('email', '=', email)
      .where('address', '=', address)
      .executeTakeFirst()
  ) ?? null;

async function failFiveTimes(credentials: AccountCredentials, address: string) {
  for (let attempt = 0; attempt < 5; attempt++) {
    expect((await new StaffBrowser(fromAddress(address)).signIn({ ...credentials, oneTimePassword: WRONG_PASSWORD }, totpCode(credentials, portal))).status).toBe(401);
  }
}

/** A page as its reader gets it, less what differs on every render by design: the form's CSRF token. */
const withoutCsrfToken = (html: string) => html.replace(/name="_csrf" value="[^"]+"/g, 'name="_csrf" value="…"');
const NOT_COMPARED = new Set(['date', 'x-request-id', 'set-cookie', 'content-length', 'ratelimit']);
const comparable = (answer: { status: number; text: string; headers: Record<string, string> }) => ({
  status: answer.status,
  headers: Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !NOT_COMPARED.has(name))),
  page: withoutCsrfToken(answer.text),
});

describe('opening a recording in the console', () => {
  beforeEach(() => startPortal('sqlite'));

  test('is an audit event naming who looked at whose record; an action on the page and an unknown id are not views', async () => {
    const { recordingId } = await portal.recordingWithLink();
    const { browser, staffId } = await signedInStaff(portal, 'agent');
    expect(await auditOf('recording.staff-viewed')).toEqual([]);

    expect((await browser.get(`/staff/recordings/${recordingId}`)).status).toBe(200);
    const [viewed, ...more] = await auditOf('recording.staff-viewed');
    expect(more).toEqual([]);
    expect({ actor: viewed.actor, recordingId: viewed.recording_id, at: viewed.at }).toEqual({ actor: staffId, recordingId, at: portal.clock().toISOString() });

    await browser.post(`/staff/recordings/${recordingId}/postal-copies`, { kind: 'postal', 'sentOn-day': '1', 'sentOn-month': '11', 'sentOn-year': '2026', addressLine: '12 High Street', reason: 'Claimant asked for a copy' });
    expect((await browser.get('/staff/recordings/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect(await auditOf('recording.staff-viewed')).toHaveLength(1);
    expect((await auditOf('recording.postal-copy')).map((event) => event.actor)).toEqual([staffId]);
  });
});

describe('a staff account locked by failed sign-ins', () => {
  test('answers exactly as a wrong password does, byte for byte apart from the CSRF token, and still weighs the password', async () => {
    await startPortal('sqlite');
    const credentials = await newStaffAccount(portal, 'agent');
    await failFiveTimes(credentials, ADDRESS_A);
    expect(await failuresAt(credentials.email, ADDRESS_A)).toEqual({ failures: 5, locked_at: portal.clock().toISOString(), hour_failures: 5 });

    const verify = jest.spyOn(argon2, 'verify');
    const locked = await new StaffBrowser(fromAddress(ADDRESS_A)).signIn(credentials, totpCode(credentials, portal));
    expect(verify).toHaveBeenCalledTimes(1);
    const wrongPassword = await new StaffBrowser(fromAddress(ADDRESS_A)).signIn({ ...credentials, oneTimePassword: WRONG_PASSWORD }, totpCode(credentials, portal));
    expect(verify).toHaveBeenCalledTimes(2);

    expect(locked.status).toBe(401);
    expect(locked.text).toContain('Enter a correct email address, password and security code');
    expect(comparable(locked)).toEqual(comparable(wrongPassword));
    // Both are counted: the lock is invisible from outside, so probing it costs what guessing does.
    expect((await failuresAt(credentials.email, ADDRESS_A))!.failures).toBe(7);
    expect(await auditOf('staff.sign-in-failed')).toHaveLength(7);
  });

  test('five failures from one address do not stop a correct sign-in from another', async () => {
    await startPortal('sqlite');
    const credentials = await newStaffAccount(portal, 'agent');
    await failFiveTimes(credentials, ADDRESS_A);
    const [locked] = await auditOf('staff.locked');
    expect(JSON.parse(locked.detail)).toEqual({ address: ADDRESS_A });

    const elsewhere = await new StaffBrowser(fromAddress(ADDRESS_B)).signIn(credentials, totpCode(credentials, portal));
    expect(elsewhere.status).toBe(303);
    expect(elsewhere.headers.location).toBe('/staff/password');
    portal.clock.advance(30_000);
    expect((await new StaffBrowser(fromAddress(ADDRESS_A)).signIn(credentials, totpCode(credentials, portal))).status).toBe(401);
  });

  test.each(DATABASE_KINDS)('wrong passwords arriving at once are each counted, and lock the account at that address exactly once, on %s', async (kind) => {
    await startPortal(kind);
    const credentials = await newStaffAccount(portal, 'agent');
    const browsers = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const browser = new StaffBrowser(fromAddress(ADDRESS_A));
        await browser.get('/staff/sign-in');
        return browser;
      }),
    );
    const answers = await Promise.all(browsers.map((browser) => browser.post('/staff/sign-in', { email: credentials.email, password: WRONG_PASSWORD, code: totpCode(credentials, portal) })));
    expect(answers.map((answer) => answer.status)).toEqual(Array(12).fill(401));
    expect(await failuresAt(credentials.email, ADDRESS_A)).toEqual({ failures: 12, locked_at: portal.clock().toISOString(), hour_failures: 12 });
    expect(await auditOf('staff.sign-in-failed')).toHaveLength(12);
    expect(await auditOf('staff.locked')).toHaveLength(1);
  });

  test('a supervisor sees where it is locked, and unlocking lets it sign in from there again', async () => {
    await startPortal('sqlite');
    const credentials = await newStaffAccount(portal, 'agent');
    await failFiveTimes(credentials, ADDRESS_A);
    const supervisor = await signedInStaff(portal, 'supervisor');
    const list = await supervisor.browser.get('/staff/accounts');
    expect(list.text).toContain(`${credentials.email} (agent), locked at one address since`);
    const accountId = /action="\/staff\/accounts\/([0-9a-f-]{36})\/unlock"/.exec(list.text)![1];
    expect((await supervisor.browser.post(`/staff/accounts/${accountId}/unlock`, { reason: 'Confirmed by phone with their manager' })).status).toBe(303);
    expect(await failuresAt(credentials.email, ADDRESS_A)).toBeNull();
    expect((await new StaffBrowser(fromAddress(ADDRESS_A)).signIn(credentials, totpCode(credentials, portal))).status).toBe(303);
  });
});

describe('reasons typed by staff', () => {
  beforeEach(() => startPortal('sqlite'));

  const PERSONAL_DETAILS = 'Don&#39;t type personal details here';

  test.each([
    ['a NINO', 'Claimant AB123456C asked for it'],
    ['a phone number', 'Rang back on 07700 900123'],
  ])('are refused in every reason field when they carry %s, and nothing changes', async (_kind, reason) => {
    const { recordingId, linkId, path } = await portal.recordingWithLink();
    const claimant = new ClaimantBrowser(portal.app);
    for (let attempt = 0; attempt < portal.config.access.maxNinoAttempts; attempt++) await claimant.enterNino(path, 'AB 65 43 21 D');
    const lockedColleague = await newStaffAccount(portal, 'agent');
    for (let attempt = 0; attempt < 5; attempt++) await new StaffBrowser(portal.app).signIn({ ...lockedColleague, oneTimePassword: WRONG_PASSWORD }, '000000');
    const { browser } = await signedInStaff(portal, 'supervisor');
    const colleagueId = /action="\/staff\/accounts\/([0-9a-f-]{36})\/unlock"/.exec((await browser.get('/staff/accounts')).text)![1];
    await browser.get(`/staff/recordings/${recordingId}`);
    const eventsBefore = (await portal.audit.auditEvents()).length;
    const textsBefore = portal.outbox().length;

    const forms: Array<[string, Record<string, string>]> = [
      [`/staff/recordings/${recordingId}/links`, { reason }],
      [`/staff/links/${linkId}/unlock`, { reason }],
      [`/staff/recordings/${recordingId}/postal-copies`, { kind: 'postal', 'sentOn-day': '1', 'sentOn-month': '11', 'sentOn-year': '2026', addressLine: '12 High Street', reason }],
      [`/staff/recordings/${recordingId}/download`, { reason }],
      [`/staff/recordings/${recordingId}/legal-holds`, { reason }],
      [`/staff/recordings/${recordingId}/legal-holds/lift`, { reason }],
      [`/staff/recordings/${recordingId}/deletion-request`, { reason }],
      [`/staff/accounts/${colleagueId}/unlock`, { reason }],
    ];
    for (const [form, fields] of forms) {
      const answer = await browser.post(form, fields);
      expect({ form, status: answer.status, refused: answer.text.includes(PERSONAL_DETAILS), echoed: answer.text.includes(reason) }).toEqual({ form, status: 400, refused: true, echoed: false });
    }
    expect((await portal.audit.auditEvents()).length).toBe(eventsBefore);
    await portal.settled();
    expect(portal.outbox().length).toBe(textsBefore);
    expect((await portal.links.findLink(linkId))!.locked_at).not.toBeNull();
    expect(await portal.retention.activeLegalHolds(recordingId)).toEqual([]);
    expect((await portal.recordings.findRecording(recordingId))!.deletion_requested_at).toBeNull();
    expect((await browser.get('/staff/accounts')).text).toContain(lockedColleague.email);
  });

  test('with dates, times and references in them are accepted', async () => {
    const { recordingId } = await portal.recordingWithLink();
    const { browser } = await signedInStaff(portal, 'supervisor');
    await browser.get(`/staff/recordings/${recordingId}`);
    const reason = 'Appeal SC123/45/67890 lodged 23/11/2026 at 10:30, ref REF-12345678';
    expect((await browser.post(`/staff/recordings/${recordingId}/legal-holds`, { reason })).status).toBe(200);
    expect((await portal.retention.activeLegalHolds(recordingId)).map((hold) => hold.reason)).toEqual([reason]);
  });
});
