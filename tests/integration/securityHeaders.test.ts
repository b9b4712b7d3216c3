import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import request from 'supertest';
import { seedDemo } from '../../server/demo';
import { portalLogger } from '../../server/runtime';
import { ClaimantBrowser } from '../support/claimantBrowser';
import { waitUntil } from '../support/waitUntil';
import { CLAIMANT, startTestPortal, type TestPortal } from '../support/testPortal';
import { sha256Hex } from '../../server/sha256Hex';

let portal: TestPortal;
beforeAll(async () => {
  portal = await startTestPortal();
});
afterAll(async () => {
  await portal.close();
});

/** Headers that describe the body or the connection, or change with every response: not security policy. */
const NOT_POLICY = ['date', 'connection', 'keep-alive', 'content-length', 'content-encoding', 'transfer-encoding', 'vary', 'x-request-id', 'set-cookie', 'ratelimit', 'ratelimit-policy', 'www-authenticate', 'accept-ranges', 'last-modified', 'etag'];
const policyHeaders = (answer: request.Response) => Object.fromEntries(Object.entries(answer.headers).filter(([name]) => !NOT_POLICY.includes(name)));

describe('security headers', () => {
  test('a claimant page, a problem page, a staff page, an API answer and a static asset carry exactly the expected headers', async () => {
    const { path } = await portal.recordingWithLink();
    const objectStore = portal.deps.objects.origin;
    const everywhere = {
      'content-security-policy': [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "manifest-src 'self'",
        "media-src 'self'",
        `form-action 'self' ${objectStore}`,
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
      ].join(';'),
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-resource-policy': 'same-origin',
      'origin-agent-cluster': '?1',
      'referrer-policy': 'no-referrer',
      'strict-transport-security': 'max-age=31536000; includeSubDomains',
      'x-content-type-options': 'nosniff',
      'x-dns-prefetch-control': 'off',
      'x-download-options': 'noopen',
      'x-frame-options': 'DENY',
      'x-permitted-cross-domain-policies': 'none',
      'x-xss-protection': '0',
      'x-robots-tag': 'noindex, nofollow',
    };
    const uncached = { 'cache-control': 'no-store', pragma: 'no-cache' };
    const html = 'text/html; charset=utf-8';
    const claimantPage = await request(portal.app).get(path);
    const stylesheet = /href="(\/immutable\/[^"]+\.css)"/.exec(claimantPage.text)![1];
    const answers = {
      'claimant page': [claimantPage, 200, { ...everywhere, ...uncached, 'content-type': html }],
      'problem page': [await request(portal.app).get('/nowhere'), 404, { ...everywhere, ...uncached, 'content-type': html }],
      'staff page': [await request(portal.app).get('/staff/sign-in'), 200, { ...everywhere, ...uncached, 'content-type': html }],
      'API answer': [await request(portal.app).get('/api/v1/openapi.json'), 200, { ...everywhere, ...uncached, 'content-type': 'application/json; charset=utf-8' }],
      'API refusal': [await request(portal.app).get('/api/v1/recordings/x'), 401, { ...everywhere, ...uncached, 'content-type': 'application/problem+json; charset=utf-8' }],
      'static asset': [await request(portal.app).get(stylesheet), 200, { ...everywhere, 'cache-control': 'public, max-age=31536000, immutable', 'content-type': 'text/css; charset=utf-8' }],
    } as const;
    for (const [kind, [answer, status, headers]] of Object.entries(answers)) {
      expect({ kind, status: answer.status, headers: policyHeaders(answer) }).toEqual({ kind, status, headers });
    }
    for (const page of [claimantPage, answers['problem page'][0], answers['staff page'][0]]) expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });

  test('static assets under their plain paths are served and may be cached', async () => {
    const css = await request(portal.app).get('/govuk/govuk-frontend.min.css');
    expect(css.status).toBe(200);
    expect(css.headers['cache-control']).toBe('public, max-age=0');
    expect((await request(portal.app).get('/static/js/init.js')).status).toBe(200);
    expect((await request(portal.app).get('/assets/images/favicon.svg')).status).toBe(200);
  });
});

test('nothing logged during the whole journey carries a token, NINO, phone number, cookie or presigned URL', async () => {
  const { path, token, audio } = await portal.recordingWithLink();
  const browser = new ClaimantBrowser(portal.app);
  await browser.get(path);
  await browser.enterNino(path, 'AB 65 43 21 D');
  await browser.enterNino(path, CLAIMANT.nino);
  const cookie = browser.cookies.value('recording_session', path)!;
  await browser.get(`${path}/listen`);
  await browser.get(`${path}/manifest`);
  const download = await browser.download(path);
  await request(portal.app).get('/verify').query({ sha256: sha256Hex(audio) });
  await portal.cli('retention', 'sweep', '--dry-run');
  await portal.cli('audit', 'verify');
  const logged = portal.logLines.join('\n');
  expect(logged).toContain('"path":"/r/:token/download"');
  for (const secret of [token, cookie, 'AB654321D', 'AB 65 43 21 D', 'AB123456C', '7700900123', '+447700900123', 'X-Amz-Signature', download.headers.location]) {
    expect([secret, logged.includes(secret)]).toEqual([secret, false]);
  }
});

test('each request is logged once when it ends, under the id its response names, by route shape and status', async () => {
  const { path } = await portal.recordingWithLink();
  portal.logLines.length = 0;
  const page = await request(portal.app).get(`${path}?utm=secret-query`);
  const missing = await request(portal.app).get('/nowhere');
  const lines = portal.logLines.map((line) => JSON.parse(line)).filter((line) => line.req);
  expect(lines).toEqual([
    expect.objectContaining({ level: 30, msg: 'request completed', req: { id: page.headers['x-request-id'], method: 'GET', path: '/r/:token' }, res: { statusCode: 200 } }),
    expect.objectContaining({ level: 30, msg: 'request completed', req: { id: missing.headers['x-request-id'], method: 'GET', path: '/nowhere' }, res: { statusCode: 404 } }),
  ]);
  expect(page.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  expect(page.headers['x-request-id']).not.toBe(missing.headers['x-request-id']);
  expect(lines[0].responseTime).toEqual(expect.any(Number));
});

test('a link typed in capitals is logged by its route shape too, never by its token', async () => {
  const { path, token } = await portal.recordingWithLink();
  portal.logLines.length = 0;
  const page = await request(portal.app).get(path.replace('/r/', '/R/'));
  expect(page.status).toBe(200);
  expect(portal.logLines.join('\n')).not.toContain(token);
  expect(portal.logLines.map((line) => JSON.parse(line)).find((line) => line.req)).toMatchObject({ req: { path: '/r/:token' } });
});

test('a request the client gives up on is logged once, as aborted, at warning level and without a status', async () => {
  const server = http.createServer(portal.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  portal.logLines.length = 0;
  // A form post whose body never arrives in full: the parser is still waiting when the client goes.
  const socket = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(socket, 'connect');
  const requested = once(server, 'request');
  socket.write('POST /help HTTP/1.1\r\nHost: portal\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nnino=AB');
  // The portal has the request (its handlers run before this listener) when the client goes.
  await requested;
  socket.destroy();
  await waitUntil('the request is logged as aborted', () => portal.logLines.some((line) => line.includes('request aborted')));
  await new Promise((resolve) => server.close(resolve));
  const lines = portal.logLines.map((line) => JSON.parse(line)).filter((line) => line.req);
  expect(lines).toEqual([expect.objectContaining({ level: 40, msg: 'request aborted', req: expect.objectContaining({ method: 'POST', path: '/help' }), res: { statusCode: null } })]);
});

test('the logger redacts personal fields and credentials even if code logs them by mistake', () => {
  const lines: string[] = [];
  const logger = portalLogger('info', { write: (line: string) => void lines.push(line) });
  logger.info({ claimant: { nino: 'AB123456C', phone: '+447700900123' }, message: { to: '+447700900123', body: 'https://x/r/k1.secret', url: 'https://x/r/k1.secret' }, req: { headers: { authorization: 'Bearer abc', cookie: 'recording_session=jwt' } } }, 'oops');
  expect(lines[0]).not.toMatch(/AB123456C|7700900123|k1\.secret|Bearer abc|recording_session/);
  expect(lines[0]).toContain('[redacted]');
});

test('the demo seed creates one 20-minute recording whose texted link opens with the demo NINO', async () => {
  const { services } = portal;
  const first = await seedDemo(portal.recordings, services);
  expect(first.created).toBe(true);
  expect(await seedDemo(portal.recordings, services)).toEqual({ created: false, recordingId: first.recordingId });
  const path = new URL((first as { url: string }).url).pathname;
  const browser = new ClaimantBrowser(portal.app);
  expect((await browser.enterNino(path, 'AB 12 34 56 C')).status).toBe(303);
  // A real-length recording, so a newcomer meets slices, seeking and resuming at once.
  expect((await browser.get(path)).text).toContain('20 minutes');
  expect((await browser.download(path)).status).toBe(303);
});
