import request from 'supertest';
import { cookieSetBy, setCookiesOf } from '../support/cookieJar';
import { grantOf } from '../support/grants';
import { CLAIMANT, startTestPortal, type TestPortal } from '../support/testPortal';
import { DATABASE_KINDS, freshPostgresSchema, POSTGRES_URL } from '../support/testServices';

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

/**
 * Signing out ends the session on the server: a copy of the cookie taken before (another tab, a
 * proxy's log, whoever used the shared device next) opens nothing afterwards. Run on each database,
 * since the end is one conditional statement on the link.
 */
describe.each(DATABASE_KINDS)('after signing out, a copy of the session cookie opens nothing (%s)', (kind) => {
  let onDatabase: TestPortal;
  let schema: Awaited<ReturnType<typeof freshPostgresSchema>> | undefined;
  beforeAll(async () => {
    schema = kind === 'postgres' ? await freshPostgresSchema(POSTGRES_URL!) : undefined;
    onDatabase = await startTestPortal({ RATE_LIMIT_PAGES_PER_MIN: '100000', ...(schema ? { DATABASE_URL: schema.url } : {}) });
  });
  afterAll(async () => {
    await onDatabase.close();
    await schema?.drop();
  });

  async function signIn(path: string): Promise<string> {
    const answer = await request(onDatabase.app).post(path).type('form').send({ nino: CLAIMANT.nino });
    expect(answer.status).toBe(303);
    return cookieSetBy(answer, 'recording_session')!;
  }
  const generationOf = async (linkId: string) => (await onDatabase.links.findLink(linkId))!.session_generation;

  test('the recording page, the player (with and without Range) and the download button all refuse the copied cookie', async () => {
    const { path, linkId } = await onDatabase.recordingWithLink();
    const copied = await signIn(path);
    const grant = grantOf(await request(onDatabase.app).get(path).set('Cookie', copied));
    expect((await request(onDatabase.app).get(`${path}/listen`).set('Cookie', copied).set('Range', 'bytes=0-')).status).toBe(206);

    expect((await request(onDatabase.app).post(`${path}/sign-out`).set('Cookie', copied)).status).toBe(303);

    const page = await request(onDatabase.app).get(path).set('Cookie', copied);
    expect(page.status).toBe(200);
    expect(page.text).toContain('data-qa="nino"');
    expect(page.text).not.toContain('data-qa="player"');
    for (const range of [undefined, 'bytes=0-', 'bytes=100-199']) {
      const listen = request(onDatabase.app).get(`${path}/listen`).set('Cookie', copied);
      const answer = await (range ? listen.set('Range', range) : listen);
      expect([answer.status, answer.headers['content-type']]).toEqual([403, expect.stringMatching(/^text\/html/)]);
      expect(answer.text).toContain('enter your National Insurance number');
    }
    const download = await request(onDatabase.app).post(`${path}/download`).set('Cookie', copied).type('form').send({ grant });
    expect([download.status, download.headers.location]).toEqual([303, path]);
    expect((await onDatabase.links.findLink(linkId))!.download_count).toBe(0);
    expect((await onDatabase.audit.auditTrail({ linkId })).map((event) => event.type)).not.toContain('recording.downloaded');
    // The session cannot be renewed back to life either.
    expect((await request(onDatabase.app).post(`${path}/session`).set('Cookie', copied).set('Accept', 'application/json')).headers.location).toBe(path);

    // The claimant can sign straight back in, and that session works.
    const again = await signIn(path);
    expect((await request(onDatabase.app).get(path).set('Cookie', again)).text).toContain('data-qa="player"');
  });

  test('signing out on one device ends the session on every device the link was opened on', async () => {
    const { path } = await onDatabase.recordingWithLink();
    const phone = await signIn(path);
    const laptop = await signIn(path);
    await request(onDatabase.app).post(`${path}/sign-out`).set('Cookie', phone);
    expect((await request(onDatabase.app).get(`${path}/listen`).set('Cookie', laptop)).status).toBe(403);
  });

  test('a sign-out without a live session (another site\'s form, an ended session) signs nobody out', async () => {
    const { path, linkId } = await onDatabase.recordingWithLink();
    const ended = await signIn(path);
    await request(onDatabase.app).post(`${path}/sign-out`).set('Cookie', ended);
    const live = await signIn(path);
    const generation = await generationOf(linkId);

    for (const cookie of [undefined, ended, 'recording_session=not-a-session']) {
      const signOut = request(onDatabase.app).post(`${path}/sign-out`);
      expect((await (cookie ? signOut.set('Cookie', cookie) : signOut)).status).toBe(303);
    }
    expect(await generationOf(linkId)).toBe(generation);
    expect((await request(onDatabase.app).get(path).set('Cookie', live)).text).toContain('data-qa="player"');
  });

  test('a session already ended (by two sign-outs at once, or a staff unlock) moves the generation on no further', async () => {
    const { linkId } = await onDatabase.recordingWithLink();
    const generation = await generationOf(linkId);
    expect(await onDatabase.links.endSessions(linkId, generation)).toBe(true);
    expect(await generationOf(linkId)).toBe(generation + 1);
    // The same session ending again, as the second of two sign-outs at once would: it moves nothing.
    expect(await onDatabase.links.endSessions(linkId, generation)).toBe(false);
    expect(await generationOf(linkId)).toBe(generation + 1);
  });
});
