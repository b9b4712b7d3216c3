import { randomUUID, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express, { type Request, type Response } from 'express';
import { jwtVerify } from 'jose';

/** How the fake answers the next sends: as a healthy provider, or with a chosen failure. */
export type FakeMode =
  | { kind: 'ok' }
  | { kind: 'status'; status: number; code?: number; retryAfter?: string }
  | { kind: 'drop' };

export interface ReceivedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

/** A loopback HTTP server the real SDKs talk to; it can stop (connection refused) and come back. */
async function fakeServer(build: (fake: { mode: FakeMode; received: ReceivedRequest[] }) => express.Express) {
  const state = { mode: { kind: 'ok' } as FakeMode, received: [] as ReceivedRequest[] };
  const app = build(state);
  let server: Server | undefined;
  let port = 0;
  const start = async () => {
    server = app.listen(port, '127.0.0.1');
    await new Promise<void>((resolve) => server!.once('listening', () => resolve()));
    port = (server.address() as AddressInfo).port;
  };
  const stop = async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  };
  await start();
  return {
    url: () => `http://127.0.0.1:${port}`,
    received: state.received,
    setMode: (mode: FakeMode) => {
      state.mode = mode;
    },
    start,
    stop,
  };
}

/** Answers a failure mode if one is set; returns true when it did. */
function failed(mode: FakeMode, req: Request, res: Response, errorBody: (code?: number) => object): boolean {
  if (mode.kind === 'drop') {
    req.socket.destroy();
    return true;
  }
  if (mode.kind === 'status') {
    if (mode.retryAfter) res.setHeader('Retry-After', mode.retryAfter);
    res.status(mode.status).json(errorBody(mode.code));
    return true;
  }
  return false;
}

export const TWILIO = { accountSid: `AC${'1'.repeat(32)}`, authToken: 'f'.repeat(32), from: '+447700900999' };

/**
 * Twilio's Messages API, as much of it as the SDK uses to send and to list. With `perSecond`, it
 * refuses sends beyond that rate with 429, as Twilio's account limits do; `latencyMs` delays each answer.
 */
export async function startFakeTwilio(options: { perSecond?: number; latencyMs?: number } = {}) {
  const recentSends: number[] = [];
  const messages: Array<{ sid: string; to: string; from: string; body: string; date_created: string; status: string }> = [];
  const fake = await fakeServer((state) => {
    const app = express();
    app.use(express.urlencoded({ extended: false }));
    const base = `/2010-04-01/Accounts/${TWILIO.accountSid}/Messages.json`;
    const expectedAuth = `Basic ${Buffer.from(`${TWILIO.accountSid}:${TWILIO.authToken}`).toString('base64')}`;
    const errorBody = (code?: number) => ({ code: code ?? 20500, message: 'fake failure', status: 0, more_info: '' });
    app.post(base, async (req, res) => {
      if (options.latencyMs) await new Promise((resolve) => setTimeout(resolve, options.latencyMs));
      state.received.push({ method: 'POST', path: req.path, authorization: req.get('authorization'), body: req.body });
      if (req.get('authorization') !== expectedAuth) return void res.status(401).json(errorBody(20003));
      if (failed(state.mode, req, res, errorBody)) return;
      if (options.perSecond) {
        const now = Date.now();
        while (recentSends.length && recentSends[0] <= now - 1000) recentSends.shift();
        if (recentSends.length >= options.perSecond) {
          res.setHeader('Retry-After', '1');
          return void res.status(429).json(errorBody(20429));
        }
        recentSends.push(now);
      }
      const message = { sid: `SM${randomBytes(16).toString('hex')}`, to: req.body.To, from: req.body.From ?? '', body: req.body.Body, date_created: new Date().toUTCString(), status: 'queued' };
      messages.push(message);
      res.status(201).json({ ...message, account_sid: TWILIO.accountSid, num_segments: '1', direction: 'outbound-api' });
    });
    app.get(base, (req, res) => {
      state.received.push({ method: 'GET', path: req.path, authorization: req.get('authorization'), body: req.query as Record<string, unknown> });
      if (failed(state.mode, req, res, errorBody)) return;
      const found = messages.filter((m) => m.to === req.query.To);
      res.json({ messages: found, next_page_uri: null, previous_page_uri: null, first_page_uri: base, uri: base, page: 0, page_size: 100, start: 0, end: found.length });
    });
    return app;
  });
  return { ...fake, messages };
}

const SERVICE_ID = randomUUID();
const KEY_SECRET = randomUUID();
export const NOTIFY = {
  apiKey: `portal_test-${SERVICE_ID}-${KEY_SECRET}`,
  serviceId: SERVICE_ID,
  templateEn: randomUUID(),
  templateCy: randomUUID(),
  callbackToken: 'notify-callback-token-0123456789',
};

/** GOV.UK Notify's v2 API: send an SMS, list notifications by reference; checks the JWT it is sent. */
export async function startFakeNotify() {
  const notifications: Array<{ id: string; reference: string; phone_number: string; template_id: string; personalisation: Record<string, string> }> = [];
  const fake = await fakeServer((state) => {
    const app = express();
    app.use(express.json());
    const errorBody = () => ({ status_code: 0, errors: [{ error: 'FakeError', message: 'fake failure' }] });
    const authorised = async (req: Request) => {
      try {
        const token = (req.get('authorization') ?? '').replace(/^Bearer /, '');
        const { payload } = await jwtVerify(token, new TextEncoder().encode(KEY_SECRET), { algorithms: ['HS256'] });
        return payload.iss === SERVICE_ID;
      } catch {
        return false;
      }
    };
    app.post('/v2/notifications/sms', async (req, res) => {
      state.received.push({ method: 'POST', path: req.path, authorization: req.get('authorization'), body: req.body });
      if (!(await authorised(req))) return void res.status(403).json({ status_code: 403, errors: [{ error: 'AuthError', message: 'Invalid token' }] });
      if (failed(state.mode, req, res, errorBody)) return;
      const notification = { id: randomUUID(), ...req.body };
      notifications.push(notification);
      res.status(201).json({ id: notification.id, reference: req.body.reference, content: { body: 'text', from_number: 'GOVUK' }, uri: '', template: { id: req.body.template_id, version: 1, uri: '' } });
    });
    app.get('/v2/notifications', async (req, res) => {
      state.received.push({ method: 'GET', path: req.path, authorization: req.get('authorization'), body: req.query as Record<string, unknown> });
      if (!(await authorised(req))) return void res.status(403).json(errorBody());
      if (failed(state.mode, req, res, errorBody)) return;
      res.json({ notifications: notifications.filter((n) => n.reference === req.query.reference), links: { current: '' } });
    });
    return app;
  });
  return { ...fake, notifications };
}
