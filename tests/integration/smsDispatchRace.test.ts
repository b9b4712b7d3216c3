import { fieldCipher } from '../../server/security/fieldCipher';
import { SMS_PAYLOAD_FIELD, smsDispatcher } from '../../server/sms/dispatcher';
import { startFakeTwilio, TWILIO } from '../support/fakeSmsProviders';
import { startTestPortal } from '../support/testPortal';
import { DATABASE_KINDS, freshPostgresSchema, POSTGRES_URL } from '../support/testServices';

const MESSAGES = 200;

test.each(DATABASE_KINDS)(`two dispatchers racing over ${MESSAGES} pending messages on %s send each exactly once`, async (kind) => {
  // Each send takes a little while, as a real provider's do, so both dispatchers are busy at once.
  const fake = await startFakeTwilio({ latencyMs: 5 });
  const schema = kind === 'postgres' ? await freshPostgresSchema(POSTGRES_URL!) : undefined;
  const portal = await startTestPortal({
    ...(schema ? { DATABASE_URL: schema.url } : {}),
    SMS_PROVIDER: 'twilio',
    TWILIO_ACCOUNT_SID: TWILIO.accountSid,
    TWILIO_AUTH_TOKEN: TWILIO.authToken,
    TWILIO_FROM: TWILIO.from,
    TWILIO_API_BASE_URL: fake.url(),
  });
  const second = await portal.anotherInstance();
  try {
    const cipher = fieldCipher(portal.config.secrets.fieldKeys);
    const now = portal.clock();
    for (let i = 0; i < MESSAGES; i++) {
      const id = `race-${i}`;
      await portal.recordings.addRecording(
        { id, assessment_ref: `RACE-${i}`, recorded_at: now.toISOString(), retain_until: '2999-01-01T00:00:00.000Z', object_key: `recordings/${id}.wav`, content_type: 'audio/wav', size_bytes: 1, sha256: '0'.repeat(64), duration_seconds: 1, nino_hash: null, nino_index: null, phone_encrypted: null, language: 'en' },
        now,
        'test',
      );
      const body = `message ${i}`;
      await portal.links.issueLink(
        { recordingId: id, tokenHash: `hash-${i}`, keyId: 'k1', phoneMasked: '07*** ***123', issuedBy: 'test', reason: 'race' },
        { language: 'en', payloadEncrypted: cipher.encrypt(SMS_PAYLOAD_FIELD, JSON.stringify({ to: '+447700900123', body, url: `https://x/r/${i}`, until: '1 Dec' })), encoding: 'GSM-7', segments: 1 },
        now,
      );
    }
    // Small batches, so the two dispatchers really interleave their claims.
    const dispatcher = (deps: typeof portal.deps) => smsDispatcher({ ...deps, sender: deps.sms, cipher, maxAttempts: 8, batchSize: 10, concurrency: 4 });
    const [a, b] = [dispatcher(portal.deps), dispatcher(second.deps)];
    const [countsA, countsB] = await Promise.all([a.drain(), b.drain()]);

    expect(countsA.sent + countsB.sent).toBe(MESSAGES);
    const bodies = fake.messages.map((m) => m.body);
    expect(bodies).toHaveLength(MESSAGES);
    expect(new Set(bodies).size).toBe(MESSAGES);
    expect(await portal.deps.outbox.countByStatus()).toEqual({ sent: MESSAGES });
  } finally {
    await second.close();
    await portal.close();
    await schema?.drop();
    await fake.stop();
  }
});
