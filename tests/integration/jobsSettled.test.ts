import request from 'supertest';
import { requestDeletion } from '../../server/services/retention';
import { providerRecording } from '../support/providerRecording';
import { startFakeTwilio, TWILIO } from '../support/fakeSmsProviders';
import { startTestPortal, type TestPortal } from '../support/testPortal';

/** Far longer than any fixed sleep a test used to stand in for "the dispatcher has sent". */
const PROVIDER_LATENCY_MS = 1_600;

type TwilioFake = Awaited<ReturnType<typeof startFakeTwilio>>;
let fake: TwilioFake;
let portal: TestPortal;
beforeEach(async () => {
  fake = await startFakeTwilio({ latencyMs: PROVIDER_LATENCY_MS });
  portal = await startTestPortal({ SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: TWILIO.accountSid, TWILIO_AUTH_TOKEN: TWILIO.authToken, TWILIO_FROM: TWILIO.from, TWILIO_API_BASE_URL: fake.url() });
});
afterEach(async () => {
  await portal.close();
  await fake.stop();
});

const textedThroughApi = async (apiKey: string, recordingId: string) => {
  const sent = await request(portal.app).post(`/api/v1/recordings/${recordingId}/links`).set('Authorization', `Bearer ${apiKey}`);
  expect(sent.status).toBe(201);
  return sent.body.id as string;
};
const messageOf = async (linkId: string) => portal.db.selectFrom('sms_messages').selectAll().where('link_id', '=', linkId).executeTakeFirstOrThrow();

test("once the portal has settled, a text the API queued has reached a slow provider and is recorded as sent", async () => {
  const { apiKey, recordingId } = await providerRecording(portal, 'PIP-SETTLED-1');
  const linkId = await textedThroughApi(apiKey, recordingId);
  await portal.settled();
  expect(fake.messages.map((m) => m.to)).toEqual(['+447700900123']);
  expect(await messageOf(linkId)).toMatchObject({ status: 'sent', provider_message_id: fake.messages[0].sid });
}, 20_000);

test('a text queued while the dispatcher is still sending another is sent before the portal settles', async () => {
  const first = await providerRecording(portal, 'PIP-SETTLED-2');
  const second = await providerRecording(portal, 'PIP-SETTLED-3', { apiKey: first.apiKey });
  const links = [await textedThroughApi(first.apiKey, first.recordingId), await textedThroughApi(first.apiKey, second.recordingId)];
  await portal.jobs.dispatcher.settled();
  expect(fake.messages).toHaveLength(2);
  for (const linkId of links) expect((await messageOf(linkId)).status).toBe('sent');
}, 20_000);

test('a retention sweep asked for has deleted a recording whose deletion was requested once the portal has settled', async () => {
  const { recordingId } = await providerRecording(portal, 'PIP-SETTLED-4');
  await requestDeletion(portal.deps, { recordingId, reason: 'Claimant asked for erasure', actor: 'dpo' });
  // What an operator's "sweep now" or the interval does: the run is asked for, and settled() waits for it.
  portal.jobs.retentionSweep.kick();
  await portal.settled();
  expect((await portal.recordings.findRecording(recordingId))!.deleted_at).not.toBeNull();
});
