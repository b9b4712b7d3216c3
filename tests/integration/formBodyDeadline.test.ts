import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import express from 'express';
import { createApp } from '../../server/app';
import { wirePortal } from '../../server/portal';
import { formBodyDeadline } from '../../server/middleware/bodyDeadline';
import { demoAudio } from '../support/demoAudio';
import { CLAIMANT, startTestPortal, type TestPortal } from '../support/testPortal';
import { withEveryWebhook } from '../support/resilience/walkPortal';
import { uploadFraming } from '../support/uploadFraming';

/** An app with the pages' deadline, shortened, in front of the pages' own form parser. */
async function serve() {
  const app = express();
  app.use(formBodyDeadline(300));
  app.use(express.urlencoded({ extended: false, limit: '4kb' }));
  app.post('/form', (req, res) => res.send(`got ${req.body.a}`));
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { port: (server.address() as AddressInfo).port, close: () => server.close() };
}

function rawRequest(port: number, text: string) {
  const socket = net.connect(port, '127.0.0.1');
  socket.write(text);
  let answer = '';
  socket.on('data', (chunk) => (answer += chunk.toString()));
  const started = Date.now();
  return new Promise<{ answer: string; closedAfterMs: number }>((resolve) => socket.on('close', () => resolve({ answer, closedAfterMs: Date.now() - started })));
}

test('a form body that is still arriving after the deadline has its connection closed; a whole one is answered', async () => {
  const app = await serve();
  try {
    const slow = await rawRequest(app.port, 'POST /form HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\na=1');
    expect(slow.answer).toBe('');
    expect(slow.closedAfterMs).toBeGreaterThanOrEqual(250);
    expect(slow.closedAfterMs).toBeLessThan(5_000);
    const whole = await rawRequest(app.port, 'POST /form HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 3\r\n\r\na=1');
    expect(whole.answer).toMatch(/^HTTP\/1\.1 200/);
    expect(whole.answer).toContain('got 1');
  } finally {
    app.close();
  }
});

describe('the deadline covers the delivery receipts and every API body but an admitted upload, which the server would otherwise wait for as long as an upload', () => {
  let portal: TestPortal;
  let server: http.Server;
  let port: number;
  let apiKey: string;
  beforeAll(async () => {
    portal = await startTestPortal();
    apiKey = (await portal.cli('providers', 'add', '--name', 'Deadline Ltd')).json.apiKey as string;
    // The server itself waits a minute for a request (an hour in main.ts): only the deadline can close these sooner.
    server = http.createServer({ requestTimeout: 60_000 }, createApp(wirePortal(withEveryWebhook(portal.deps)), { formBodyDeadlineMs: 300 }));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });
  afterAll(async () => {
    server.closeAllConnections();
    server.close();
    await portal.close();
  });

  test.each([
    ['a delivery receipt (Notify, JSON)', 'POST /webhooks/notify/status', 'application/json', '{"id":"'],
    ['a delivery receipt (Twilio, form)', 'POST /webhooks/twilio/status', 'application/x-www-form-urlencoded', 'MessageSid=SM'],
  ])('%s still arriving after the deadline has its connection closed', async (_what, line, type, start) => {
    const slow = await rawRequest(port, `${line} HTTP/1.1\r\nHost: x\r\nContent-Type: ${type}\r\nContent-Length: 1000\r\n\r\n${start}`);
    expect(slow.answer).not.toMatch(/^HTTP\/1\.1 5/);
    expect(slow.closedAfterMs).toBeGreaterThanOrEqual(250);
  }, 20_000);

  const someId = '5d0f7a52-6a1e-4c1b-9f5e-2b9f1c3d4e5f';
  test.each([
    ['a link request whose body never ends', () => `POST /api/v1/recordings/${someId}/links HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${apiKey}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"`],
    ['a transcript that stops arriving', () => `PUT /api/v1/recordings/${someId}/transcript HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${apiKey}\r\nContent-Type: text/vtt\r\nContent-Length: 100000\r\n\r\nWEBVTT\n\n`],
    ['an upload without a key (refused, its body drained)', () => `POST /api/v1/recordings HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 100000\r\n\r\n--b\r\n`],
  ])('%s has its connection closed at the deadline, not after the hour a request may take', async (_what, head) => {
    const slow = await rawRequest(port, head());
    expect(slow.answer).not.toMatch(/^HTTP\/1\.1 5/);
    expect(slow.closedAfterMs).toBeGreaterThanOrEqual(250);
    // Not by the keep-alive timeout (5 s) after an early answer, nor by the request timeout.
    expect(slow.closedAfterMs).toBeLessThan(4_000);
  }, 20_000);

  test('an admitted upload may take longer than the deadline to arrive', async () => {
    const boundary = 'deadline-boundary';
    const fields = { assessmentRef: 'DEADLINE-1', nino: CLAIMANT.nino, mobile: CLAIMANT.phone };
    const { preamble: head, epilogue: tail } = uploadFraming(boundary, fields);
    const audio = demoAudio(3);
    const upload = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/api/v1/recordings',
      agent: false,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': head.length + audio.length + tail.length },
    });
    const answered = new Promise<number>((resolve, reject) => {
      upload.on('response', (response) => {
        response.resume();
        resolve(response.statusCode!);
      });
      upload.on('error', reject);
    });
    upload.write(head);
    // The audio comes in three pieces, each after more than the deadline: a slow line, well within the pace rule.
    const third = Math.ceil(audio.length / 3);
    for (let i = 0; i < 3; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 400));
      upload.write(audio.subarray(i * third, (i + 1) * third));
    }
    upload.end(tail);
    expect(await answered).toBe(201);
  }, 20_000);
});
