import { once } from 'node:events';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { unroutedPath } from '../../server/middleware/requestLogging';
import { ClaimantBrowser } from '../support/claimantBrowser';
import { demoAudio } from '../support/demoAudio';
import { waitUntil } from '../support/waitUntil';
import { CLAIMANT, startTestPortal, type TestPortal } from '../support/testPortal';

/** A link token is a credential: however the address is written, it never reaches the log. */

let portal: TestPortal;
let server: http.Server;
let token: string;
beforeAll(async () => {
  portal = await startTestPortal({ RATE_LIMIT_PAGES_PER_MIN: '100000' });
  server = http.createServer(portal.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  token = (await portal.recordingWithLink()).token;
});
afterAll(async () => {
  server.close();
  await portal.close();
});

/** Sends the request line exactly as written, over a raw socket (clients would normalise it), and returns the status. */
async function rawGet(target: string): Promise<number> {
  const socket = net.connect((server.address() as AddressInfo).port, '127.0.0.1');
  await once(socket, 'connect');
  socket.write(`GET ${target} HTTP/1.1\r\nHost: recordings.example.gov.uk\r\nConnection: close\r\n\r\n`);
  let answer = '';
  socket.on('data', (chunk) => (answer += chunk));
  await once(socket, 'end');
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)![1]);
}

const loggedRequests = () => portal.logLines.map((line) => JSON.parse(line)).filter((line) => line.req);

test.each([
  ['the absolute form', (t: string) => `http://recordings.example.gov.uk/r/${t}`, 200, '/r/:token'],
  ['the absolute form in capitals', (t: string) => `HTTP://recordings.example.gov.uk/R/${t}?utm=x`, 200, '/r/:token'],
  ['a doubled slash', (t: string) => `//r/${t}`, 404, '/*'],
  ['the absolute form with a doubled slash', (t: string) => `http://recordings.example.gov.uk//r/${t}`, 404, '/*'],
  ['a path below the link no route has', (t: string) => `/r/${t}/nothing-here`, 404, '/r/*'],
  ['the token alone', (t: string) => `/${t}`, 404, '/*'],
  ['the token without its key id', (t: string) => `/${t.split('.')[1]}`, 404, '/*'],
  ['an encoded slash', (t: string) => `/r%2F${t}`, 404, '/*'],
])('a link written in %s is logged by route shape, never by its token', async (_form, target, status, shape) => {
  portal.logLines.length = 0;
  expect(await rawGet(target(token))).toBe(status);
  // The line is written when the response ends, which is before the socket closes.
  const lines = loggedRequests();
  expect(lines).toEqual([expect.objectContaining({ req: expect.objectContaining({ method: 'GET', path: shape }), res: { statusCode: status } })]);
  const logged = portal.logLines.join('\n');
  expect(logged).not.toContain(token);
  expect(logged).not.toContain(token.split('.')[1].slice(0, 16));
});

test('routes are logged by their pattern, mount included, whatever the case of the address', async () => {
  portal.logLines.length = 0;
  for (const target of [`/r/${token}/manifest`, '/STAFF/sign-in', '/Api/V1/openapi.json', '/api/v1/recordings/some-id', '/healthz']) await rawGet(target);
  // The API refuses an unauthenticated request before any of its routes: it is logged as unrouted.
  expect(loggedRequests().map((line) => line.req.path)).toEqual(['/r/:token/manifest', '/staff/sign-in', '/api/v1/openapi.json', '/api/*', '/healthz']);
});

test('an address no route answers is logged by its first segment when that is a plain word', () => {
  expect(unroutedPath('/')).toBe('/');
  expect(unroutedPath('/nowhere?x=1')).toBe('/nowhere');
  expect(unroutedPath('/assets/fonts/x.woff2')).toBe('/assets/*');
  expect(unroutedPath('https://host')).toBe('/');
  expect(unroutedPath('k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).toBe('/*');
  expect(unroutedPath('/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).toBe('/*');
});

test('a listening answer the player leaves part-way (a seek) is logged as aborted at info level, with its status', async () => {
  const recording = await portal.recordingWithLink(demoAudio(600));
  const browser = new ClaimantBrowser(portal.app);
  expect((await browser.enterNino(recording.path, CLAIMANT.nino)).status).toBe(303);
  const address = `${recording.path}/listen/original`;
  portal.logLines.length = 0;
  const answer = http.get({ port: (server.address() as AddressInfo).port, host: '127.0.0.1', path: address, headers: { cookie: browser.cookieHeader(address), range: 'bytes=0-' } });
  const [response] = (await once(answer, 'response')) as [http.IncomingMessage];
  expect(response.statusCode).toBe(206);
  await once(response, 'data');
  answer.destroy();
  await waitUntil('the answer is logged', () => loggedRequests().length > 0);
  expect(loggedRequests()).toEqual([expect.objectContaining({ level: 30, msg: 'request aborted', req: expect.objectContaining({ method: 'GET', path: '/r/:token/listen/:file' }), res: { statusCode: 206 } })]);
});
