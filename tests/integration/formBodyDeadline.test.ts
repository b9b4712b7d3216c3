import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import express from 'express';
import { formBodyDeadline } from '../../server/middleware/bodyDeadline';

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
