import request from 'supertest';
import { parseCookieHeader } from '../../server/middleware/cookies';
import { cookieSetBy } from '../support/cookieJar';
import { signedInStaff, StaffBrowser } from '../support/staffBrowser';
import { CLAIMANT, startTestPortal, type TestPortal } from '../support/testPortal';

/** Cookies are the client's to send: whatever arrives, a page answers normally or refuses with 403, never 500. */

let portal: TestPortal;
let staffCookies: string;
let linkPath: string;
beforeAll(async () => {
  portal = await startTestPortal({ RATE_LIMIT_PAGES_PER_MIN: '100000', RATE_LIMIT_NINO_PER_15_MIN: '1000' });
  staffCookies = (await signedInStaff(portal, 'agent')).browser.cookieHeader();
  linkPath = (await portal.recordingWithLink()).path;
});
afterAll(async () => {
  await portal.close();
});

const MALFORMED: Array<[string, string]> = [
  ['a JSON number', 'j:1'],
  ['a JSON object', 'j:{"split":1,"length":2}'],
  ['a JSON array', 'j:["a","b"]'],
  ['JSON null', 'j:null'],
  ['broken percent-encoding', '%E0%A4%A'],
  ['percent garbage', '%%%ff%zz'],
  ['latin-1 bytes', Buffer.from('caf\xe9', 'latin1').toString('latin1')],
  ['a huge value', 'x'.repeat(6000)],
];
const COOKIES = ['staff_csrf', 'staff_session', 'recording_session', 'lang'];
const CASES = COOKIES.flatMap((name) => MALFORMED.map(([what, value]) => [name, what, value] as const));

test('cookie values are always strings, however they look', () => {
  expect(parseCookieHeader('staff_csrf=j:1; lang=j:{"a":1}; a="quoted"; bad=%E0%A4%A; ok=%20x; staff_csrf=second')).toEqual({
    staff_csrf: 'j:1',
    lang: 'j:{"a":1}',
    a: 'quoted',
    bad: '%E0%A4%A',
    ok: ' x',
  });
  expect(Object.getPrototypeOf(parseCookieHeader('__proto__=j:{"polluted":1}'))).toBeNull();
});

describe.each(CASES)('a %s cookie holding %s', (name, _what, value) => {
  const malformed = `${name}=${value}`;

  test('staff pages answer normally, signed out and signed in', async () => {
    expect((await request(portal.app).get('/staff/sign-in').set('Cookie', malformed)).status).toBe(200);
    const find = await request(portal.app).get('/staff/find').set('Cookie', `${malformed}; ${staffCookies}`);
    // The first cookie of a name wins, so a bad staff_session is no session: back to sign-in.
    expect([find.status, find.headers.location]).toEqual(name === 'staff_session' ? [303, '/staff/sign-in?ended=1'] : [200, undefined]);
  });

  test('claimant pages answer normally, and the NINO check still signs the claimant in', async () => {
    expect((await request(portal.app).get('/').set('Cookie', malformed)).status).toBe(200);
    expect((await request(portal.app).get(linkPath).set('Cookie', malformed)).status).toBe(200);
    const signIn = await request(portal.app).post(linkPath).type('form').set('Cookie', malformed).send({ nino: CLAIMANT.nino });
    expect(signIn.status).toBe(303);
    const sessionCookie = cookieSetBy(signIn, 'recording_session')!;
    const recording = await request(portal.app).get(linkPath).set('Cookie', `${malformed}; ${sessionCookie}`);
    // The first recording_session wins: a malformed one is no session, so the NINO form again.
    expect(recording.status).toBe(200);
    expect(recording.text.includes('name="nino"')).toBe(name === 'recording_session');
  });
});

// (Each case is a sign-in attempt, and sign-in allows 30 per address in 15 minutes.)
test.each(MALFORMED)('a staff form posted with a staff_csrf cookie holding %s is refused with 403', async (_what, value) => {
  const browser = new StaffBrowser(portal.app);
  await browser.get('/staff/sign-in');
  const answer = await request(portal.app)
    .post('/staff/sign-in')
    .type('form')
    .set('Cookie', `staff_csrf=${value}; ${browser.cookieHeader()}`)
    .send({ _csrf: browser.csrfToken()!, email: 'nobody@dwp.example.gov.uk', password: 'wrong', code: '000000' });
  expect(answer.status).toBe(403);
  expect(answer.text).toContain('govuk-template');
});
