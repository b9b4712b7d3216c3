import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import express from 'express';
import { createApp } from '../../server/app';
import { formBodyDeadline } from '../../server/middleware/bodyDeadline';
import { startTestPortal, type TestPortal } from '../../scripts/support/testPortal';
import { withEveryWebhook } from '../resilience/support/walkPortal';

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

describe('the deadline covers the delivery receipts, which the server would otherwise wait for as long as an upload', () => {
  let portal: TestPortal;
  let server: http.Server;
  let port: number;
  beforeAll(async () => {
    portal = await startTestPortal();
    // The server itself waits a minute for a request (an hour in main.ts): only the deadline can close these sooner.
    server = http.createServer({ requestTimeout: 60_000 }, createApp(withEveryWebhook(portal.deps), undefined, { formBodyDeadlineMs: 300 }));
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
});
