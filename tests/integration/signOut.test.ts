import request from 'supertest';
import { cookieSetBy, setCookiesOf } from '../../scripts/support/cookieJar';
import { CLAIMANT, startTestPortal, type TestPortal } from '../../scripts/support/testPortal';

/** "Sign out" on the recording page, for a shared device: the session ends and the link asks for the NINO again. */

let portal: TestPortal;
beforeAll(async () => {
  portal = await startTestPortal({ RATE_LIMIT_PAGES_PER_MIN: '100000' });
});
afterAll(async () => {
  await portal.close();
});

test('signing out removes the session cookie and sends the browser back to the link, which asks for the NINO', async () => {
  const { path } = await portal.recordingWithLink();
  const signIn = await request(portal.app).post(path).type('form').send({ nino: CLAIMANT.nino });
  const session = cookieSetBy(signIn, 'recording_session')!;
  expect((await request(portal.app).get(path).set('Cookie', session)).text).toContain('data-qa="player"');

  const signOut = await request(portal.app).post(`${path}/sign-out`).set('Cookie', session);
  expect([signOut.status, signOut.headers.location]).toEqual([303, path]);
  const cleared = setCookiesOf(signOut).find((cookie) => cookie.startsWith('recording_session='));
  expect(cleared).toMatch(/^recording_session=; Path=\/r\/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; Secure; SameSite=Strict$/);

  const after = await request(portal.app).get(path);
  expect(after.status).toBe(200);
  expect(after.text).toContain('data-qa="nino"');
  expect(after.text).not.toContain('data-qa="player"');
});

test('signing out of a link that does not exist is "not recognised", and sets no cookie', async () => {
  for (const token of ['no-such-link', 'x'.repeat(5000)]) {
    const response = await request(portal.app).post(`/r/${token}/sign-out`);
    expect(response.status).toBe(404);
    expect(setCookiesOf(response)).toEqual([]);
  }
});
