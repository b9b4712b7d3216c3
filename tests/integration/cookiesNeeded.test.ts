import request from 'supertest';
import { setCookiesOf } from '../support/cookieJar';
import { MINUTE } from '../support/testClock';
import { CLAIMANT, startTestPortal, type TestPortal } from '../support/testPortal';

/**
 * A browser that refuses the session cookie (Safari on an http origin drops a Secure cookie; cookies
 * turned off) must be told so after a right NINO, never shown the NINO form again with no word.
 */
let portal: TestPortal;
beforeEach(async () => {
  portal = await startTestPortal();
});
afterEach(async () => {
  await portal.close();
});

const confirm = (path: string) => request(portal.app).post(path).type('form').send({ nino: CLAIMANT.nino });

test.each([
  ['en', 'Your browser needs to accept cookies', 'Enter your National Insurance number again'],
  ['cy', 'Mae angen i’ch porwr dderbyn cwcis', 'Rhowch eich rhif Yswiriant Gwladol eto'],
] as const)('in %s, arriving from a right NINO without the cookie it set says cookies are needed, and offers the NINO step again', async (language, title, retry) => {
  const { path } = await portal.recordingWithLink(undefined, undefined, language);
  const confirmed = await confirm(path);
  expect([confirmed.status, confirmed.headers.location]).toEqual([303, `${path}?confirmed`]);

  const refused = await request(portal.app).get(confirmed.headers.location);
  expect(refused.status).toBe(200);
  expect(refused.text).toContain(`<h1 class="govuk-heading-l" data-qa="problem">${title}</h1>`);
  expect(refused.text).toContain(`href="${path}">${retry}</a>`);
  expect(refused.text).not.toContain('data-qa="nino"');
  expect(refused.text).not.toContain('data-qa="player"');
});

test('with the cookie kept, the same address is the recording; with an ended session it is the NINO form saying why', async () => {
  const { path } = await portal.recordingWithLink();
  const confirmed = await confirm(path);
  const cookie = setCookiesOf(confirmed)[0].split(';')[0];
  const kept = await request(portal.app).get(confirmed.headers.location).set('Cookie', cookie);
  expect(kept.status).toBe(200);
  expect(kept.text).toContain('data-qa="player"');

  portal.clock.advance(21 * MINUTE);
  const ended = await request(portal.app).get(confirmed.headers.location).set('Cookie', cookie);
  expect(ended.text).toContain('data-qa="nino"');
  expect(ended.text).toContain('For your security, you need to enter your National Insurance number again');
  expect(ended.text).not.toContain('needs to accept cookies');
});

test('opening the link without the mark and without a cookie is the NINO form, as ever', async () => {
  const { path } = await portal.recordingWithLink();
  const opened = await request(portal.app).get(path);
  expect(opened.text).toContain('data-qa="nino"');
  expect(opened.text).not.toContain('needs to accept cookies');
});
