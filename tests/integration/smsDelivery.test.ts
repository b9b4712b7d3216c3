import { writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import twilio from 'twilio';
import { demoAudio } from '../support/demoAudio';
import { portalServices } from '../../server/services';
import { fieldCipher } from '../../server/security/fieldCipher';
import { SMS_PAYLOAD_FIELD } from '../../server/sms/dispatcher';
import { CLAIMANT, startTestPortal, type TestPortal } from '../support/testPortal';
import { NOTIFY, startFakeNotify, startFakeTwilio, TWILIO } from '../support/fakeSmsProviders';
import { MINUTE, SECOND } from '../support/testClock';

type TwilioFake = Awaited<ReturnType<typeof startFakeTwilio>>;
type NotifyFake = Awaited<ReturnType<typeof startFakeNotify>>;
type Fake = TwilioFake | NotifyFake;

const twilioEnv = (fake: Fake) => ({
  SMS_PROVIDER: 'twilio',
  TWILIO_ACCOUNT_SID: TWILIO.accountSid,
  TWILIO_AUTH_TOKEN: TWILIO.authToken,
  TWILIO_FROM: TWILIO.from,
  TWILIO_API_BASE_URL: fake.url(),
});
const notifyEnv = (fake: Fake) => ({
  SMS_PROVIDER: 'notify',
  NOTIFY_API_KEY: NOTIFY.apiKey,
  NOTIFY_TEMPLATE_ID: NOTIFY.templateEn,
  NOTIFY_TEMPLATE_ID_CY: NOTIFY.templateCy,
  NOTIFY_BASE_URL: fake.url(),
  NOTIFY_CALLBACK_TOKEN: NOTIFY.callbackToken,
});

let portal: TestPortal;
let fake: Fake;
afterEach(async () => {
  await portal?.close();
  await fake?.stop();
});

async function recording(language: 'en' | 'cy' = 'en') {
  const file = path.join(portal.dataDir, `${Math.random()}.wav`);
  writeFileSync(file, demoAudio(1));
  const ref = `SMS-${Math.random().toString(36).slice(2, 10)}`;
  const added = await portal.cli('recordings', 'add', '--file', file, '--ref', ref, '--nino', CLAIMANT.nino, '--phone', CLAIMANT.phone, '--language', language);
  return added.json.recordingId as string;
}

/** Issues a link through the services (as staff and the CLI do) and waits for the first send to settle. */
async function sendLink(recordingId: string) {
  const services = portalServices(portal.deps);
  const sent = await services.sendLink({ recordingId, actor: 'test' });
  await services.dispatcher.settled();
  return { ...sent, services };
}

/**
 * A message whose dispatcher died after the provider accepted it: the first try fails, then a
 * dispatcher claims the message, the provider takes it, and the process stops before recording it.
 * Returns once the claim has lapsed, so the next dispatcher finds the message in doubt.
 */
async function leaveInDoubt() {
  fake.setMode({ kind: 'status', status: 503 });
  const { messageId, services } = await sendLink(await recording());
  fake.setMode({ kind: 'ok' });
  portal.clock.advance(10 * MINUTE);
  const [claimed] = await portal.deps.outbox.claimDue(portal.clock(), new Date(portal.clock().getTime() + MINUTE), 10);
  const payload = JSON.parse(fieldCipher(portal.config.secrets.fieldKeys).decrypt(SMS_PAYLOAD_FIELD, claimed.payload_encrypted!));
  await portal.deps.sms.send({ id: claimed.id, ...payload, language: 'en', createdAt: new Date(claimed.created_at) }, portal.clock());
  portal.clock.advance(2 * MINUTE);
  return { messageId, services };
}

const message = async (id: string) => (await portal.deps.outbox.find(id))!;
const posts = () => fake.received.filter((r) => r.method === 'POST');

describe('Twilio', () => {
  beforeEach(async () => {
    fake = await startFakeTwilio();
    portal = await startTestPortal(twilioEnv(fake));
  });

  test('the real SDK sends the text with our sender, the link, and the status callback', async () => {
    const { messageId, url } = await sendLink(await recording());
    expect(posts()).toHaveLength(1);
    const sent = posts()[0];
    expect(sent.path).toBe(`/2010-04-01/Accounts/${TWILIO.accountSid}/Messages.json`);
    expect(sent.authorization).toBe(`Basic ${Buffer.from(`${TWILIO.accountSid}:${TWILIO.authToken}`).toString('base64')}`);
    expect(sent.body).toMatchObject({ To: '+447700900123', From: TWILIO.from, StatusCallback: 'https://recordings.example.gov.uk/webhooks/twilio/status' });
    expect(sent.body.Body).toContain(url);
    const row = await message(messageId);
    expect(row).toMatchObject({ status: 'sent', provider: 'twilio', provider_message_id: (fake as TwilioFake).messages[0].sid, attempts: 1, encoding: 'GSM-7', segments: 1, payload_encrypted: null });
  });

  test('a permanent refusal (21211, invalid number) fails the message and is never retried', async () => {
    fake.setMode({ kind: 'status', status: 400, code: 21211 });
    const { messageId, services } = await sendLink(await recording());
    expect(await message(messageId)).toMatchObject({ status: 'failed', attempts: 1, last_error: expect.stringContaining('21211') });
    portal.clock.advance(60 * MINUTE);
    await services.dispatcher.drain();
    expect(posts()).toHaveLength(1);
  });

  test.each([
    ['connection refused', async () => fake.stop(), async () => fake.start()],
    ['a 500', async () => fake.setMode({ kind: 'status', status: 500 }), async () => fake.setMode({ kind: 'ok' })],
    ['a dropped connection', async () => fake.setMode({ kind: 'drop' }), async () => fake.setMode({ kind: 'ok' })],
  ])('after %s the message waits, then is delivered once when the provider recovers', async (_name, breakIt, mendIt) => {
    await breakIt();
    const { messageId, services } = await sendLink(await recording());
    const waiting = await message(messageId);
    expect(waiting).toMatchObject({ status: 'pending', attempts: 1 });
    expect(new Date(waiting.next_attempt_at).getTime()).toBeGreaterThan(portal.clock().getTime());
    await mendIt();
    await services.dispatcher.drain();
    expect((fake as TwilioFake).messages).toHaveLength(0);
    portal.clock.advance(10 * MINUTE);
    await services.dispatcher.drain();
    await services.dispatcher.drain();
    expect((fake as TwilioFake).messages).toHaveLength(1);
    expect(await message(messageId)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  test('a dispatcher that stopped after Twilio accepted the message does not send it again', async () => {
    const { messageId, services } = await leaveInDoubt();
    expect((fake as TwilioFake).messages).toHaveLength(1);
    await services.dispatcher.drain();
    expect((fake as TwilioFake).messages).toHaveLength(1);
    expect(await message(messageId)).toMatchObject({ status: 'sent', provider_message_id: (fake as TwilioFake).messages[0].sid, in_doubt: 1 });
  });

  test('a new link supersedes a message still waiting: only the newest is sent', async () => {
    fake.setMode({ kind: 'status', status: 500 });
    const recordingId = await recording();
    const first = await sendLink(recordingId);
    const second = await sendLink(recordingId);
    expect(await message(first.messageId)).toMatchObject({ status: 'superseded', payload_encrypted: null });
    fake.setMode({ kind: 'ok' });
    portal.clock.advance(10 * MINUTE);
    await second.services.dispatcher.drain();
    expect((fake as TwilioFake).messages.map((m) => m.body)).toEqual([expect.stringContaining(second.url)]);
  });

  describe('delivery receipts', () => {
    const callbackUrl = 'https://recordings.example.gov.uk/webhooks/twilio/status';
    const receipt = (params: Record<string, string>, signature?: string) => {
      const call = request(portal.app).post('/webhooks/twilio/status').type('form');
      return (signature === undefined ? call : call.set('X-Twilio-Signature', signature)).send(params);
    };
    const signed = (params: Record<string, string>) => receipt(params, twilio.getExpectedTwilioSignature(TWILIO.authToken, callbackUrl, params));

    test('a signed receipt records the status; a stale one after it changes nothing', async () => {
      const { messageId } = await sendLink(await recording());
      const MessageSid = (fake as TwilioFake).messages[0].sid;
      expect((await signed({ MessageSid, MessageStatus: 'sent', AccountSid: TWILIO.accountSid })).status).toBe(204);
      expect((await message(messageId)).delivery_status).toBe('sent');
      expect((await signed({ MessageSid, MessageStatus: 'delivered', AccountSid: TWILIO.accountSid })).status).toBe(204);
      expect((await signed({ MessageSid, MessageStatus: 'sent', AccountSid: TWILIO.accountSid })).status).toBe(204);
      expect((await message(messageId)).delivery_status).toBe('delivered');
    });

    test('an undelivered message is recorded as such', async () => {
      const { messageId } = await sendLink(await recording());
      await signed({ MessageSid: (fake as TwilioFake).messages[0].sid, MessageStatus: 'undelivered', ErrorCode: '30003' });
      expect((await message(messageId)).delivery_status).toBe('undelivered');
    });

    test('a missing or wrong signature is refused with 403 and changes nothing', async () => {
      const { messageId } = await sendLink(await recording());
      const params = { MessageSid: (fake as TwilioFake).messages[0].sid, MessageStatus: 'delivered' };
      expect((await receipt(params)).status).toBe(403);
      expect((await receipt(params, 'bm90IGEgc2lnbmF0dXJl')).status).toBe(403);
      const otherToken = twilio.getExpectedTwilioSignature('0'.repeat(32), callbackUrl, params);
      expect((await receipt(params, otherToken)).status).toBe(403);
      const tampered = twilio.getExpectedTwilioSignature(TWILIO.authToken, callbackUrl, { ...params, MessageStatus: 'failed' });
      expect((await receipt(params, tampered)).status).toBe(403);
      expect((await message(messageId)).delivery_status).toBeNull();
    });

    test('a receipt for a message that is not ours changes nothing', async () => {
      const { messageId } = await sendLink(await recording());
      expect((await signed({ MessageSid: `SM${'0'.repeat(32)}`, MessageStatus: 'delivered' })).status).toBe(204);
      expect((await message(messageId)).delivery_status).toBeNull();
    });

    test('hostile bodies get a 4xx', async () => {
      expect((await signed({ MessageSid: 'x', MessageStatus: 'exploded' })).status).toBe(400);
      expect((await request(portal.app).post('/webhooks/twilio/status').type('form').send('a=' + 'x'.repeat(50_000))).status).toBe(413);
      expect((await request(portal.app).post('/webhooks/notify/status').send({})).status).toBe(404);
    });
  });
});

describe('GOV.UK Notify', () => {
  beforeEach(async () => {
    fake = await startFakeNotify();
    portal = await startTestPortal(notifyEnv(fake));
  });

  test('the real client sends the template, the number, the link and our reference, with a valid token', async () => {
    const { messageId, url } = await sendLink(await recording());
    expect(posts()).toHaveLength(1);
    expect(posts()[0].path).toBe('/v2/notifications/sms');
    expect(posts()[0].body).toEqual({
      template_id: NOTIFY.templateEn,
      phone_number: '+447700900123',
      personalisation: { link: url, until: expect.stringMatching(/^\d{1,2} [A-Z][a-z]+$/) },
      reference: messageId,
    });
    expect(await message(messageId)).toMatchObject({ status: 'sent', provider: 'notify', provider_message_id: (fake as NotifyFake).notifications[0].id });
  });

  test('a Welsh recording uses the Welsh template and records the UCS-2 segments it costs', async () => {
    const { messageId } = await sendLink(await recording('cy'));
    expect(posts()[0].body).toMatchObject({ template_id: NOTIFY.templateCy });
    expect(await message(messageId)).toMatchObject({ language: 'cy', encoding: 'UCS-2', segments: 3 });
  });

  test('a 429 with Retry-After is retried no sooner than asked, and delivered once', async () => {
    fake.setMode({ kind: 'status', status: 429, retryAfter: '120' });
    const { messageId, services } = await sendLink(await recording());
    fake.setMode({ kind: 'ok' });
    portal.clock.advance(119 * SECOND);
    await services.dispatcher.drain();
    expect(posts()).toHaveLength(1);
    portal.clock.advance(SECOND);
    await services.dispatcher.drain();
    expect(posts()).toHaveLength(2);
    expect(await message(messageId)).toMatchObject({ status: 'sent', attempts: 2 });
  });

  test('a message in doubt is found by its reference and not sent again', async () => {
    const { messageId, services } = await leaveInDoubt();
    await services.dispatcher.drain();
    expect(posts().filter((r) => r.body.reference === messageId)).toHaveLength(2);
    expect((fake as NotifyFake).notifications).toHaveLength(1);
    expect(await message(messageId)).toMatchObject({ status: 'sent', in_doubt: 1 });
  });

  test('delivery receipts need the bearer token; a permanent failure shows as undelivered', async () => {
    const { messageId } = await sendLink(await recording());
    const id = (fake as NotifyFake).notifications[0].id;
    const callback = (token: string | undefined, body: object) => {
      const call = request(portal.app).post('/webhooks/notify/status');
      return (token ? call.set('Authorization', `Bearer ${token}`) : call).send(body);
    };
    expect((await callback(undefined, { id, status: 'delivered' })).status).toBe(403);
    expect((await callback('wrong-token-wrong-token', { id, status: 'delivered' })).status).toBe(403);
    expect((await message(messageId)).delivery_status).toBeNull();
    expect((await callback(NOTIFY.callbackToken, { id, reference: messageId, status: 'permanent-failure' })).status).toBe(204);
    expect((await message(messageId)).delivery_status).toBe('undelivered');
    expect((await callback(NOTIFY.callbackToken, { id, status: 'delivered' })).status).toBe(204);
    expect((await message(messageId)).delivery_status).toBe('undelivered');
  });
});
