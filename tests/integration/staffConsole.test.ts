import { readFileSync } from 'node:fs';
import request from 'supertest';
import { ClaimantBrowser } from '../support/claimantBrowser';
import { setCookiesOf } from '../support/cookieJar';
import { addStaff, choosePassword, newStaffAccount, signedInStaff, StaffBrowser, totpCode } from '../support/staffBrowser';
import { HOUR, MINUTE } from '../support/testClock';
import { CLAIMANT, startTestPortal, type TestPortal } from '../support/testPortal';

let portal: TestPortal;
/** A portal of its own for each test of a block whose tests count audit events, texts and sign-in attempts from none. */
function freshPortalEachTest() {
  beforeEach(async () => {
    portal = await startTestPortal();
  });
  afterEach(async () => {
    await portal.close();
  });
}

const auditOf = async (type: string) => (await portal.audit.auditEvents()).filter((event) => event.type === type);

async function lockLink(path: string) {
  const claimant = new ClaimantBrowser(portal.app);
  for (let attempt = 0; attempt < portal.config.access.maxNinoAttempts; attempt++) await claimant.enterNino(path, 'AB 65 43 21 D');
}

describe('signing in to the staff console', () => {
  freshPortalEachTest();

  test('staff add hands over a one-time password, an otpauth URI and a QR code; a real TOTP code signs in', async () => {
    const credentials = await addStaff(portal, 'agent', 'Sam.Agent@dwp.example.gov.uk');
    expect(credentials.email).toBe('sam.agent@dwp.example.gov.uk');
    expect(credentials.oneTimePassword.length).toBeGreaterThanOrEqual(20);
    expect(credentials.otpauthUri).toMatch(/^otpauth:\/\/totp\/.+\?.*secret=[A-Z2-7]+/);
    expect(readFileSync(credentials.qrCodeFile).subarray(1, 4).toString()).toBe('PNG');

    const browser = new StaffBrowser(portal.app);
    const signIn = await browser.signIn(credentials, totpCode(credentials, portal));
    expect(signIn.status).toBe(303);
    expect(signIn.headers.location).toBe('/staff/password');
    const cookie = setCookiesOf(signIn).find((c) => c.startsWith('staff_session='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Strict/);
    await choosePassword(browser);
    const page = await browser.get('/staff/find');
    expect(page.status).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.text).toContain('Signed in as sam.agent@dwp.example.gov.uk');
  });

  test('a wrong code, a wrong password, and a code that was already used are all refused', async () => {
    const credentials = await newStaffAccount(portal, 'agent');
    const code = totpCode(credentials, portal);
    const wrongCode = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
    expect((await new StaffBrowser(portal.app).signIn(credentials, wrongCode)).status).toBe(401);
    expect((await new StaffBrowser(portal.app).signIn({ ...credentials, oneTimePassword: 'not-the-password' }, code)).status).toBe(401);
    expect((await new StaffBrowser(portal.app).signIn(credentials, code)).status).toBe(303);
    const replay = await new StaffBrowser(portal.app).signIn(credentials, code);
    expect(replay.status).toBe(401);
    expect(replay.text).toContain('Enter a correct email address, password and security code');
    portal.clock.advance(30_000);
    expect((await new StaffBrowser(portal.app).signIn(credentials, totpCode(credentials, portal))).status).toBe(303);
  });

  test('the one-time password opens only the page to choose a new one; afterwards it no longer works', async () => {
    const credentials = await newStaffAccount(portal, 'supervisor');
    const browser = new StaffBrowser(portal.app);
    await browser.signIn(credentials, totpCode(credentials, portal));
    for (const path of ['/staff/find', '/staff/accounts']) expect((await browser.get(path)).headers.location).toBe('/staff/password');
    await browser.get('/staff/password');
    const short = await browser.post('/staff/password', { password: 'short', confirm: 'short' });
    expect(short.status).toBe(400);
    expect(short.text).toContain('Enter a password of 12 to 200 characters');
    const same = await browser.post('/staff/password', { password: credentials.oneTimePassword, confirm: credentials.oneTimePassword });
    expect(same.text).toContain('Choose a password different from the one-time password');
    const mismatch = await browser.post('/staff/password', { password: 'a long enough password', confirm: 'another long password' });
    expect(mismatch.text).toContain('The passwords do not match');
    expect((await browser.get('/staff/find')).status).toBe(303);

    const password = await choosePassword(browser);
    expect((await browser.get('/staff/find')).status).toBe(200);
    expect((await auditOf('staff.password-chosen')).map((event) => event.type)).toEqual(['staff.password-chosen']);
    portal.clock.advance(30_000);
    expect((await new StaffBrowser(portal.app).signIn(credentials, totpCode(credentials, portal))).status).toBe(401);
    portal.clock.advance(30_000);
    const withOwn = await new StaffBrowser(portal.app).signIn({ ...credentials, oneTimePassword: password }, totpCode(credentials, portal));
    expect(withOwn.headers.location).toBe('/staff/find');
  });

  test('an unknown email is refused exactly like a wrong password', async () => {
    const answer = await new StaffBrowser(portal.app).signIn({ email: 'nobody@dwp.example.gov.uk', oneTimePassword: 'x' }, '123456');
    expect(answer.status).toBe(401);
    expect(answer.text).toContain('Enter a correct email address, password and security code');
  });

  test('five failed sign-ins in a row from one address lock the account there until a supervisor unlocks it, with a reason, audited', async () => {
    const credentials = await newStaffAccount(portal, 'agent');
    for (let i = 0; i < 5; i++) await new StaffBrowser(portal.app).signIn(credentials, '000000');
    const locked = await new StaffBrowser(portal.app).signIn(credentials, totpCode(credentials, portal));
    expect(locked.status).toBe(401);
    expect(locked.text).toContain('Enter a correct email address, password and security code');
    expect(await auditOf('staff.locked')).toHaveLength(1);

    const supervisor = await signedInStaff(portal, 'supervisor');
    const list = await supervisor.browser.get('/staff/accounts');
    expect(list.text).toContain(credentials.email);
    const accountId = /action="\/staff\/accounts\/([0-9a-f-]{36})\/unlock"/.exec(list.text)![1];
    expect((await supervisor.browser.post(`/staff/accounts/${accountId}/unlock`, { reason: 'Confirmed by phone with their manager' })).status).toBe(303);
    const [unlocked] = await auditOf('staff.unlocked');
    expect(unlocked.actor).toBe(supervisor.staffId);
    expect(JSON.parse(unlocked.detail)).toEqual({ staffId: accountId, reason: 'Confirmed by phone with their manager' });

    portal.clock.advance(30_000);
    expect((await new StaffBrowser(portal.app).signIn(credentials, totpCode(credentials, portal))).status).toBe(303);
  });

  test('sign-in attempts from one address slow down: the 31st in 15 minutes is refused with 429, whatever the account', async () => {
    const browser = new StaffBrowser(portal.app);
    await browser.get('/staff/sign-in');
    for (let attempt = 1; attempt <= 30; attempt++) {
      const email = `guess${attempt}@dwp.example.gov.uk`;
      expect((await browser.post('/staff/sign-in', { email, password: 'guess', code: '000000' })).status).toBe(401);
    }
    const refused = await browser.post('/staff/sign-in', { email: 'guess31@dwp.example.gov.uk', password: 'guess', code: '000000' });
    expect(refused.status).toBe(429);
    expect(refused.text).toContain('Too many attempts to sign in');
  });

  test('the sign-in form itself needs its CSRF token', async () => {
    const credentials = await newStaffAccount(portal, 'agent');
    const browser = new StaffBrowser(portal.app);
    await browser.get('/staff/sign-in');
    const answer = await browser.post('/staff/sign-in', { email: credentials.email, password: credentials.oneTimePassword, code: totpCode(credentials, portal) }, { csrf: null });
    expect(answer.status).toBe(403);
    expect(setCookiesOf(answer)).not.toContainEqual(expect.stringMatching(/^staff_session=/));
  });
});

describe('staff sessions', () => {
  freshPortalEachTest();

  test('end after 15 minutes without a request', async () => {
    const { browser } = await signedInStaff(portal, 'agent');
    portal.clock.advance(14 * MINUTE);
    expect((await browser.get('/staff/find')).status).toBe(200);
    portal.clock.advance(14 * MINUTE);
    expect((await browser.get('/staff/find')).status).toBe(200);
    portal.clock.advance(15 * MINUTE);
    const ended = await browser.get('/staff/find');
    expect(ended.status).toBe(303);
    expect(ended.headers.location).toBe('/staff/sign-in?ended=1');
    expect((await browser.get('/staff/sign-in?ended=1')).text).toContain('Your session ended');
  });

  test('end 8 hours after sign-in however busy the staff member is', async () => {
    const { browser } = await signedInStaff(portal, 'agent');
    for (let elapsed = 0; elapsed < 8 * HOUR - 10 * MINUTE; elapsed += 10 * MINUTE) {
      portal.clock.advance(10 * MINUTE);
      expect((await browser.get('/staff/find')).status).toBe(200);
    }
    portal.clock.advance(10 * MINUTE);
    expect((await browser.get('/staff/find')).status).toBe(303);
  });

  test('sign-out ends the session on the server: the old cookie no longer works', async () => {
    const { browser } = await signedInStaff(portal, 'agent');
    await browser.get('/staff/find');
    const stolenCookie = browser.cookieHeader();
    expect((await browser.post('/staff/sign-out', {})).headers.location).toBe('/staff/sign-in');
    const answer = await request(portal.app).get('/staff/find').set('Cookie', stolenCookie);
    expect(answer.status).toBe(303);
  });
});

/** What no staff page may ever show. */
function expectNothingSecret(html: string, token: string) {
  for (const secret of [token, '+447700900123', '07700 900123', '07700900123', 'AB123456C', CLAIMANT.nino, 'X-Amz-Signature']) {
    expect(html).not.toContain(secret);
  }
}

describe('finding a recording and reading its links', () => {
  freshPortalEachTest();

  test('by NINO in any common format, through the blind index; results show only the masked mobile', async () => {
    const { recordingId, token } = await portal.recordingWithLink(undefined, 'PIP-2026-000123');
    const { browser, staffId } = await signedInStaff(portal, 'agent');
    await browser.get('/staff/find');
    const found = await browser.post('/staff/find', { query: 'ab 12 34 56 c' });
    expect(found.status).toBe(200);
    expect(found.text).toContain('1 recording found');
    expect(found.text).toContain('PIP-2026-000123');
    expect(found.text).toContain('07*** ***123');
    expect(found.text).toContain(`/staff/recordings/${recordingId}`);
    expectNothingSecret(found.text, token);
    const [search] = await auditOf('staff.found');
    expect(search.actor).toBe(staffId);
    expect(JSON.parse(search.detail)).toEqual({ by: 'nino', results: 1 });

    expect((await browser.post('/staff/find', { query: 'PIP-2026-000123' })).text).toContain('1 recording found');
    expect((await browser.post('/staff/find', { query: 'AB 65 43 21 D' })).text).toContain('0 recordings found');
    const nonsense = await browser.post('/staff/find', { query: '<script>' });
    expect(nonsense.status).toBe(400);
    expect(nonsense.text).toContain('Enter an assessment reference or a National Insurance number');
  });

  test("the recording page tells each link's story, newest first, and shows no secret", async () => {
    const { recordingId, path, token } = await portal.recordingWithLink();
    const claimant = new ClaimantBrowser(portal.app);
    await claimant.get(path);
    await claimant.enterNino(path, 'AB 65 43 21 D');
    await claimant.enterNino(path, CLAIMANT.nino);
    expect((await claimant.download(path)).status).toBe(303);

    const { browser, credentials } = await signedInStaff(portal, 'agent');
    await browser.get(`/staff/recordings/${recordingId}`);
    const reissued = await browser.post(`/staff/recordings/${recordingId}/links`, { reason: 'Claimant deleted the text message' });
    expect(reissued.status).toBe(200);
    const newToken = new URL(portal.outbox().at(-1)!.url).pathname.split('/')[2];

    const page = await browser.get(`/staff/recordings/${recordingId}`);
    expect(page.status).toBe(200);
    expectNothingSecret(page.text, token);
    expectNothingSecret(page.text, newToken);
    const sections = page.text.split('data-qa="link"').slice(1);
    expect(sections).toHaveLength(2);
    expect(sections[0]).toContain('Active');
    expect(sections[0]).toContain(`Issued by ${credentials.email}. Reason: Claimant deleted the text message`);
    expect(sections[0]).toContain('Works until');
    expect(sections[1]).toContain('Replaced');
    for (const story of [
      'Issued by an operator (command line). Reason: first link',
      'Text message sent',
      'Opened on a phone device',
      'Wrong National Insurance number entered (attempt 1)',
      'National Insurance number confirmed',
      'Downloaded (download 1) on a phone device',
      `Revoked by ${credentials.email}: replaced by a newer link`,
    ]) {
      expect(sections[1]).toContain(story);
    }
  });

  test('an unknown or malformed recording id is a plain 404', async () => {
    const { browser } = await signedInStaff(portal, 'agent');
    expect((await browser.get('/staff/recordings/00000000-0000-0000-0000-000000000000')).status).toBe(404);
    expect((await browser.get(`/staff/recordings/${'%C0'.repeat(500)}`)).status).toBeLessThan(500);
  });
});

describe('staff actions', () => {
  freshPortalEachTest();

  test('reissue revokes the old link and texts a new one to the number on record, audited with staff id and reason', async () => {
    const { recordingId, path, linkId } = await portal.recordingWithLink();
    const { browser, staffId } = await signedInStaff(portal, 'agent');
    await browser.get(`/staff/recordings/${recordingId}`);
    const before = portal.outbox().length;
    const answer = await browser.post(`/staff/recordings/${recordingId}/links`, { reason: 'Link expired before the claimant used it' });
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('A new link has been sent');
    await portal.settled();
    const messages = portal.outbox();
    expect(messages).toHaveLength(before + 1);
    expect(messages.at(-1)!.to).toBe('+447700900123');
    expect((await new ClaimantBrowser(portal.app).get(path)).status).toBe(410);
    expect((await new ClaimantBrowser(portal.app).get(new URL(messages.at(-1)!.url).pathname)).status).toBe(200);
    const issued = (await auditOf('link.issued')).at(-1)!;
    expect(issued.actor).toBe(staffId);
    expect(JSON.parse(issued.detail)).toEqual({ reason: 'Link expired before the claimant used it' });
    expect((await auditOf('link.revoked')).map((event) => [event.link_id, event.actor])).toEqual([[linkId, staffId]]);
  });

  test('a corrected number needs the identity checks confirmed; then it becomes the number on record', async () => {
    const { recordingId } = await portal.recordingWithLink();
    const { browser } = await signedInStaff(portal, 'agent');
    await browser.get(`/staff/recordings/${recordingId}`);
    const before = portal.outbox().length;
    const unchecked = await browser.post(`/staff/recordings/${recordingId}/links`, { reason: 'New phone', phone: '07700 900456' });
    expect(unchecked.status).toBe(400);
    expect(unchecked.text).toContain('Confirm you have done the identity checks');
    const noReason = await browser.post(`/staff/recordings/${recordingId}/links`, { reason: '', phone: '07700 900456', identityChecked: 'yes' });
    expect(noReason.status).toBe(400);
    await portal.settled();
    expect(portal.outbox()).toHaveLength(before);

    const sent = await browser.post(`/staff/recordings/${recordingId}/links`, { reason: 'Claimant has a new phone', phone: '07700 900456', identityChecked: 'yes' });
    expect(sent.status).toBe(200);
    expect(sent.text).toContain('07*** ***456');
    expect(sent.text).not.toContain('07700 900456');
    await portal.settled();
    expect(portal.outbox().at(-1)!.to).toBe('+447700900456');
  });

  test('unlock restores access to a locked link and resets its attempts, audited with staff id and reason', async () => {
    const { recordingId, path, linkId } = await portal.recordingWithLink();
    await lockLink(path);
    expect((await new ClaimantBrowser(portal.app).get(path)).status).toBe(403);

    const { browser, staffId } = await signedInStaff(portal, 'agent');
    const page = await browser.get(`/staff/recordings/${recordingId}`);
    expect(page.text).toContain('Locked after too many wrong National Insurance numbers');
    expect((await browser.post(`/staff/links/${linkId}/unlock`, { reason: '' })).status).toBe(400);
    const unlocked = await browser.post(`/staff/links/${linkId}/unlock`, { reason: 'Identity confirmed on the phone' });
    expect(unlocked.status).toBe(200);
    expect(unlocked.text).toContain(`Unlocked by`);

    const claimant = new ClaimantBrowser(portal.app);
    expect((await claimant.enterNino(path, CLAIMANT.nino)).status).toBe(303);
    expect((await portal.links.findLink(linkId))!.failed_attempts).toBe(0);
    const [event] = await auditOf('link.unlocked');
    expect(event.actor).toBe(staffId);
    expect(JSON.parse(event.detail)).toEqual({ reason: 'Identity confirmed on the phone' });
  });

  test('a postal copy is recorded with the date and a masked first line of the address', async () => {
    const { recordingId } = await portal.recordingWithLink();
    const { browser, staffId } = await signedInStaff(portal, 'agent');
    await browser.get(`/staff/recordings/${recordingId}`);
    const today = portal.clock().toISOString().slice(0, 10).split('-');
    const form = { kind: 'postal', 'sentOn-day': today[2], 'sentOn-month': today[1], 'sentOn-year': today[0], addressLine: '12 High Street', reason: 'Claimant has no smartphone' };
    expect((await browser.post(`/staff/recordings/${recordingId}/postal-copies`, { ...form, 'sentOn-year': '2999' })).status).toBe(400);
    const answer = await browser.post(`/staff/recordings/${recordingId}/postal-copies`, form);
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('1* H*** S*****');
    expect(answer.text).not.toContain('High Street');
    const [event] = await auditOf('recording.postal-copy');
    expect(event.actor).toBe(staffId);
    expect(JSON.parse(event.detail)).toEqual({ kind: 'Postal copy', sentOn: today.join('-'), address: '1* H*** S*****', reason: 'Claimant has no smartphone' });
  });

  test('a supervisor can download the audio for a right of access request, with a reason, audited', async () => {
    const { recordingId, audio } = await portal.recordingWithLink();
    const { browser, staffId } = await signedInStaff(portal, 'supervisor');
    await browser.get(`/staff/recordings/${recordingId}`);
    const answer = await browser.post(`/staff/recordings/${recordingId}/download`, { reason: 'Right of access request SAR-991' });
    expect(answer.status).toBe(303);
    const file = await fetch(answer.headers.location);
    expect(file.headers.get('content-disposition')).toMatch(/^attachment/);
    expect(Buffer.from(await file.arrayBuffer()).equals(audio)).toBe(true);
    const [event] = await auditOf('recording.staff-download');
    expect(event.actor).toBe(staffId);
    expect(JSON.parse(event.detail)).toEqual({ reason: 'Right of access request SAR-991' });
  });

  test('every form is refused without its CSRF token, or with a token from another session, and nothing changes', async () => {
    const { recordingId } = await portal.recordingWithLink();
    const { browser } = await signedInStaff(portal, 'agent');
    const other = await signedInStaff(portal, 'agent');
    await other.browser.get('/staff/find');
    await browser.get(`/staff/recordings/${recordingId}`);
    const before = (await portal.audit.auditEvents()).length;
    const missing = await browser.post(`/staff/recordings/${recordingId}/links`, { reason: 'Forged by another site' }, { csrf: null });
    expect(missing.status).toBe(403);
    expect(missing.text).toContain('This form has expired');
    const foreign = await browser.post(`/staff/recordings/${recordingId}/links`, { reason: 'Forged by another site' }, { csrf: other.browser.csrfToken()! });
    expect(foreign.status).toBe(403);
    expect((await portal.audit.auditEvents()).length).toBe(before);
  });
});

describe('hostile input to the staff console', () => {
  freshPortalEachTest();

  test('oversized, badly encoded or repeated fields get a 4xx page and change nothing', async () => {
    const { browser } = await signedInStaff(portal, 'agent');
    await browser.get('/staff/find');
    const token = browser.csrfToken()!;
    const before = (await portal.audit.auditEvents()).length;
    const send = (body: string) =>
      request(portal.app).post('/staff/find').set('Cookie', browser.cookieHeader()).set('Content-Type', 'application/x-www-form-urlencoded').send(body);
    for (const body of [`_csrf=${token}&query=${'a'.repeat(5000)}`, `_csrf=${token}&query=%E0%A4%A`, `_csrf=${token}&query=a&query=b`, `_csrf=${token}&query=%00%FF`]) {
      const { status } = await send(body);
      expect({ body: body.slice(0, 40), clientError: status >= 400 && status < 500 }).toEqual({ body: body.slice(0, 40), clientError: true });
    }
    expect((await portal.audit.auditEvents()).length).toBe(before);
  });
});

describe('supervisors and auditors', () => {
  freshPortalEachTest();

  test('a legal hold keeps a recording that is asked to be deleted; the claimant link stops working at once', async () => {
    const { recordingId, path } = await portal.recordingWithLink();
    const { browser, staffId } = await signedInStaff(portal, 'supervisor');
    await browser.get(`/staff/recordings/${recordingId}`);
    const held = await browser.post(`/staff/recordings/${recordingId}/legal-holds`, { reason: 'Appeal SC123/26 is open' });
    expect(held.status).toBe(200);
    expect(held.text).toContain('Appeal SC123/26 is open');
    const requested = await browser.post(`/staff/recordings/${recordingId}/deletion-request`, { reason: 'Claimant asked for erasure' });
    expect(requested.text).toContain('A legal hold stands: the recording will be deleted once it is lifted');
    expect(requested.text).toContain('Deletion requested');
    expect((await new ClaimantBrowser(portal.app).get(path)).status).toBe(410);
    const lifted = await browser.post(`/staff/recordings/${recordingId}/legal-holds/lift`, { reason: 'Appeal decided' });
    expect(lifted.text).toContain('The legal hold has been lifted');
    expect((await browser.post(`/staff/recordings/${recordingId}/legal-holds/lift`, { reason: 'Again' })).status).toBe(400);
    const events = (await portal.audit.auditEvents()).filter((event) => ['legal-hold.placed', 'deletion.requested', 'legal-hold.lifted'].includes(event.type));
    expect(events.map((event) => [event.type, event.actor])).toEqual([
      ['legal-hold.placed', staffId],
      ['deletion.requested', staffId],
      ['legal-hold.lifted', staffId],
    ]);
  });

  test('an auditor reads but sees no action, and exports the audit log of a period as JSON lines, which is itself audited', async () => {
    const { recordingId } = await portal.recordingWithLink();
    const { browser, staffId } = await signedInStaff(portal, 'auditor');
    const page = await browser.get(`/staff/recordings/${recordingId}`);
    expect(page.status).toBe(200);
    expect(page.text).not.toMatch(/<form method="post" action="\/staff\/(recordings|links)\//);
    await browser.get('/staff/audit');
    const today = portal.clock().toISOString().slice(0, 10);
    expect((await browser.post('/staff/audit', { from: today, to: '2026-02-30' })).status).toBe(400);
    // A period is bounded (the export is one file built in memory): 31 days, inclusive, and no more.
    const daysBefore = (days: number) => new Date(portal.clock().getTime() - days * 86_400_000).toISOString().slice(0, 10);
    const tooLong = await browser.post('/staff/audit', { from: daysBefore(31), to: today });
    expect(tooLong.status).toBe(400);
    expect(tooLong.text).toContain('Export at most 31 days at a time');
    expect((await browser.post('/staff/audit', { from: daysBefore(30), to: today })).status).toBe(200);
    const exported = await browser.post('/staff/audit', { from: today, to: today });
    expect(exported.status).toBe(200);
    expect(exported.headers['content-disposition']).toBe(`attachment; filename=audit-${today}-to-${today}.jsonl`);
    const lines = exported.text.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines.map((event) => event.type)).toContain('recording.registered');
    expect(exported.text).not.toContain('AB123456C');
    const [audited] = await auditOf('staff.audit-exported');
    expect(audited.actor).toBe(staffId);
  });
});

type Role = 'agent' | 'supervisor' | 'auditor';
interface Scene {
  recordingId: string;
  linkId: string;
  path: string;
}

/** Each action a staff member can try, set up on a fresh recording, and the status that means "done". */
const ACTIONS: Record<string, { done: number; prepare?: (scene: Scene) => Promise<void>; run: (browser: StaffBrowser, scene: Scene) => Promise<request.Response> }> = {
  'find a recording': { done: 200, run: (browser) => browser.post('/staff/find', { query: CLAIMANT.nino }) },
  'view a recording': { done: 200, run: (browser, scene) => browser.get(`/staff/recordings/${scene.recordingId}`) },
  'send a new link': { done: 200, run: (browser, scene) => browser.post(`/staff/recordings/${scene.recordingId}/links`, { reason: 'Role check' }) },
  'unlock a link': {
    done: 200,
    prepare: (scene) => lockLink(scene.path),
    run: (browser, scene) => browser.post(`/staff/links/${scene.linkId}/unlock`, { reason: 'Role check' }),
  },
  'record a postal copy': {
    done: 200,
    run: (browser, scene) => {
      const [year, month, day] = portal.clock().toISOString().slice(0, 10).split('-');
      return browser.post(`/staff/recordings/${scene.recordingId}/postal-copies`, { kind: 'right-of-access', 'sentOn-day': day, 'sentOn-month': month, 'sentOn-year': year, addressLine: '1 Road', reason: 'Role check' });
    },
  },
  'download the audio': { done: 303, run: (browser, scene) => browser.post(`/staff/recordings/${scene.recordingId}/download`, { reason: 'Role check' }) },
  'see locked staff accounts': { done: 200, run: (browser) => browser.get('/staff/accounts') },
  'place a legal hold': { done: 200, run: (browser, scene) => browser.post(`/staff/recordings/${scene.recordingId}/legal-holds`, { reason: 'Role check' }) },
  'request deletion': { done: 200, run: (browser, scene) => browser.post(`/staff/recordings/${scene.recordingId}/deletion-request`, { reason: 'Role check' }) },
  'export the audit log': {
    done: 200,
    run: (browser) => {
      const today = portal.clock().toISOString().slice(0, 10);
      return browser.post('/staff/audit', { from: today, to: today });
    },
  },
};

const ALLOWED: Record<Role, string[]> = {
  agent: ['find a recording', 'view a recording', 'send a new link', 'unlock a link', 'record a postal copy'],
  supervisor: Object.keys(ACTIONS).filter((action) => action !== 'export the audit log'),
  auditor: ['find a recording', 'view a recording', 'export the audit log'],
};

describe('roles', () => {
  const roles = Object.keys(ALLOWED) as Role[];
  const cases = roles.flatMap((role) => Object.keys(ACTIONS).map((action) => ({ role, action, allowed: ALLOWED[role].includes(action) })));
  // One portal and one signed-in member of each role for every case: a case acts on a recording of
  // its own and counts only the events after its own start, so what came before changes nothing.
  const members = {} as Record<Role, StaffBrowser>;
  beforeAll(async () => {
    portal = await startTestPortal();
    for (const role of roles) members[role] = (await signedInStaff(portal, role)).browser;
  });
  afterAll(async () => {
    await portal.close();
  });

  test.each(cases)('$role: $action → allowed $allowed', async ({ role, action, allowed }) => {
    const { recordingId, linkId, path } = await portal.recordingWithLink();
    const scene = { recordingId, linkId, path };
    await ACTIONS[action].prepare?.(scene);
    const browser = members[role];
    await browser.get('/staff/find');
    const eventsBefore = (await portal.audit.auditEvents()).filter((event) => !event.type.startsWith('staff.')).length;
    const answer = await ACTIONS[action].run(browser, scene);
    expect(answer.status).toBe(allowed ? ACTIONS[action].done : 403);
    if (!allowed) {
      expect(answer.text).toContain('You cannot do this');
      expect((await portal.audit.auditEvents()).filter((event) => !event.type.startsWith('staff.')).length).toBe(eventsBefore);
    }
  });
});
