import request from 'supertest';
import { issueLinkToken } from '../../server/policy/linkToken';
import { keyRing } from '../../server/policy/keyRing';
import { s3Objects } from '../../server/objects/s3Objects';
import { createApp } from '../../server/app';
import { wirePortal } from '../../server/portal';
import { ClaimantBrowser } from '../support/claimantBrowser';
import { grantOf } from '../support/grants';
import { CLAIMANT, startTestPortal, type TestPortal } from '../support/testPortal';

let portal: TestPortal;
beforeEach(async () => {
  portal = await startTestPortal();
});
afterEach(async () => {
  await portal.close();
});

const WRONG_NINO = 'AB 65 43 21 D';

async function linkRow(linkId: string) {
  return (await portal.links.findLink(linkId))!;
}

function expectNoStackTrace(text: string) {
  expect(text).not.toMatch(/\bat .*:\d+:\d+|node_modules\/|(Type|Syntax|Range|URI|Reference)Error/);
}

describe('wrong NINO entries', () => {
  test('each wrong entry says how many tries are left; the fifth locks the link', async () => {
    const { path, linkId } = await portal.recordingWithLink();
    const browser = new ClaimantBrowser(portal.app);
    for (let attempt = 1; attempt <= 4; attempt++) {
      const answer = await browser.enterNino(path, WRONG_NINO);
      expect(answer.status).toBe(400);
      expect(answer.text).toContain(`You have ${5 - attempt} ${5 - attempt === 1 ? 'try' : 'tries'} left`);
      expect(answer.text).toContain('<title>Error:');
    }
    const fifth = await browser.enterNino(path, WRONG_NINO);
    expect(fifth.status).toBe(403);
    expect(fifth.text).toContain('This link has been locked');
    expect((await linkRow(linkId)).locked_at).not.toBeNull();
    expect((await linkRow(linkId)).failed_attempts).toBe(5);
  });

  test('a locked link refuses even the correct NINO, and says so on every visit', async () => {
    const { path, linkId } = await portal.recordingWithLink();
    const browser = new ClaimantBrowser(portal.app);
    for (let attempt = 1; attempt <= 5; attempt++) await browser.enterNino(path, WRONG_NINO);
    const correct = await browser.enterNino(path, CLAIMANT.nino);
    expect(correct.status).toBe(403);
    expect(correct.headers['set-cookie']).toBeUndefined();
    expect((await browser.get(path)).status).toBe(403);
    expect((await linkRow(linkId)).failed_attempts).toBe(5);
    const types = (await portal.audit.auditTrail({ linkId })).map((e) => e.type);
    expect(types.filter((t) => t === 'nino.failed')).toHaveLength(5);
    expect(types).toContain('link.locked');
    expect(types).not.toContain('nino.verified');
  });

  test('parallel wrong guesses cannot get past the limit', async () => {
    const { path, linkId } = await portal.recordingWithLink();
    const answers = await Promise.all(Array.from({ length: 12 }, () => new ClaimantBrowser(portal.app).enterNino(path, WRONG_NINO)));
    expect(answers.every((a) => a.status === 400 || a.status === 403)).toBe(true);
    expect((await linkRow(linkId)).failed_attempts).toBe(5);
  });

  test('a badly formatted NINO is explained and does not count as a try', async () => {
    const { path, linkId } = await portal.recordingWithLink();
    const browser = new ClaimantBrowser(portal.app);
    const empty = await browser.enterNino(path, '');
    expect(empty.status).toBe(400);
    expect(empty.text).toContain('Enter your National Insurance number');
    expect(empty.text).toContain('href="#nino"');
    const format = await browser.enterNino(path, '12345');
    expect(format.text).toContain('Enter a National Insurance number in the correct format');
    expect((await linkRow(linkId)).failed_attempts).toBe(0);
  });

  test('a new link after a lockout works', async () => {
    const first = await portal.recordingWithLink();
    const browser = new ClaimantBrowser(portal.app);
    for (let attempt = 1; attempt <= 5; attempt++) await browser.enterNino(first.path, WRONG_NINO);
    const second = await portal.sendLink(first.recordingId, '--reason', 'locked after wrong NINO entries');
    expect((await browser.enterNino(second.path, CLAIMANT.nino)).status).toBe(303);
  });
});

describe('links that are not genuine', () => {
  test('forged, mangled and unknown tokens all get the same "not recognised" page', async () => {
    const { token } = await portal.recordingWithLink();
    const otherKeys = keyRing([{ id: 'k1', secret: Buffer.alloc(32, 7) }]);
    const candidates = [
      token.slice(0, -1),
      `${token}A`,
      token.replace(/^k1\./, 'k9.'),
      `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}`,
      issueLinkToken(otherKeys).token,
      issueLinkToken(portal.config.secrets.linkKeys).token,
      'not-a-token',
    ];
    for (const candidate of candidates) {
      const answer = await request(portal.app).get(`/r/${candidate}`);
      expect(answer.status).toBe(404);
      expect(answer.text).toContain('This link is not recognised');
      expectNoStackTrace(answer.text);
    }
  });

  test('a token whose signature fails is refused before any database read', async () => {
    const { token } = await portal.recordingWithLink();
    const forged = `${token.slice(0, -2)}${token.at(-2) === 'A' ? 'B' : 'A'}${token.at(-1)}`;
    portal.queries.length = 0;
    await request(portal.app).get(`/r/${forged}`);
    await request(portal.app).post(`/r/${forged}`).type('form').send({ nino: CLAIMANT.nino });
    await request(portal.app).get(`/r/${'x'.repeat(5000)}`);
    expect(portal.queries).toEqual([]);
  });
});

describe('hostile and malformed input', () => {
  test('an oversized form is refused with 413 and counts nothing', async () => {
    const { path, linkId } = await portal.recordingWithLink();
    const answer = await request(portal.app).post(path).type('form').send(`nino=${'A'.repeat(1_000_000)}`);
    expect(answer.status).toBe(413);
    expectNoStackTrace(answer.text);
    expect((await linkRow(linkId)).failed_attempts).toBe(0);
  });

  test.each([
    ['invalid UTF-8', 'nino=%FF%FE%FD'],
    ['a broken percent escape', 'nino=%E0%A4%A'],
    ['a repeated field', 'nino=AB123456C&nino=AB123456C'],
    ['prototype keys', '__proto__=x&constructor=y&nino=%00'],
    ['a very long NINO', `nino=${'9'.repeat(3000)}`],
    ['control characters', 'nino=%00%01%1B%5B31m'],
  ])('%s in the NINO form gets a 4xx and changes nothing', async (_name, body) => {
    const { path, linkId } = await portal.recordingWithLink();
    const answer = await request(portal.app).post(path).type('form').send(body);
    expect(answer.status).toBeGreaterThanOrEqual(400);
    expect(answer.status).toBeLessThan(500);
    expectNoStackTrace(answer.text);
    expect((await linkRow(linkId)).failed_attempts).toBe(0);
  });

  test('a JSON or multipart body is not read as a NINO', async () => {
    const { path, linkId } = await portal.recordingWithLink();
    const json = await request(portal.app).post(path).set('Content-Type', 'application/json').send('{"nino":"AB123456C"}');
    expect(json.status).toBe(400);
    expect((await linkRow(linkId)).failed_attempts).toBe(0);
  });

  test.each([
    ['a broken percent escape', '/r/%E0%A4%A', 400],
    ['invalid UTF-8', '/r/%FF', 400],
    ['a 5,000-character token', `/r/${'k'.repeat(5_000)}`, 404],
    ['no token', '/r/', 404],
    ['path traversal', '/r/../../etc/passwd', 404],
    ['an unknown page', '/nothing-here', 404],
    ['traversal out of the assets', '/govuk/../../package.json', 404],
  ])('GET with %s answers with a page and no stack trace', async (_name, path, status) => {
    const answer = await request(portal.app).get(path);
    expect(answer.status).toBe(status);
    expect(answer.headers['content-type']).toMatch(/text\/html/);
    expectNoStackTrace(answer.text);
  });

  test('a request line too long for HTTP is refused by the server with 431', async () => {
    const answer = await request(portal.app).get(`/r/${'k'.repeat(20_000)}`);
    expect(answer.status).toBe(431);
  });

  test('a forged or malformed download grant is refused with 4xx and records nothing', async () => {
    const { path, linkId } = await portal.recordingWithLink();
    const browser = new ClaimantBrowser(portal.app);
    await browser.enterNino(path, CLAIMANT.nino);
    for (const grant of ['', 'x', 'a.b.c', 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.', 'g'.repeat(3000)]) {
      const answer = await browser.post(`${path}/download`, { grant });
      expect(answer.status).toBe(409);
    }
    expect((await linkRow(linkId)).download_count).toBe(0);
  });
});

describe('when a dependency is down', () => {
  test('object storage unreachable: "temporarily unavailable", the download is not recorded, and the grant still works later', async () => {
    const { path, linkId } = await portal.recordingWithLink();
    const browser = new ClaimantBrowser(portal.app);
    await browser.enterNino(path, CLAIMANT.nino);
    const grant = grantOf(await browser.get(path));

    const unreachable = s3Objects({ ...portal.config.s3, endpoint: 'http://127.0.0.1:9' });
    const degraded = createApp(wirePortal({ ...portal.deps, objects: unreachable }));
    const answer = await request(degraded)
      .post(`${path}/download`)
      .set('Cookie', browser.cookieHeader(`${path}/download`))
      .type('form')
      .send({ grant });
    unreachable.close();
    expect(answer.status).toBe(503);
    expect(answer.text).toContain('Sorry, the service is unavailable');
    expectNoStackTrace(answer.text);
    expect((await linkRow(linkId)).first_download_at).toBeNull();

    expect((await browser.post(`${path}/download`, { grant })).status).toBe(303);
  });
});
