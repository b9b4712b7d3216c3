/**
 * `npm run bench`: throughput figures, each beside what bounds it, measured in the same run on the
 * same machine (these machines are shared and noisy, so only ratios compare across runs).
 * Prints a table and writes bench-results/latest.json.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../server/config';
import { openRuntime } from '../server/runtime';
import { portalServices } from '../server/services';
import { fieldCipher } from '../server/security/fieldCipher';
import { SMS_PAYLOAD_FIELD } from '../server/sms/dispatcher';
import { startFakeTwilio, TWILIO } from '../tests/support/fakeSmsProviders';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline: number;
  baselineName: string;
  ratio: number;
  goal: string;
  met: boolean;
  notes?: Record<string, number>;
}

/** 10,000 queued messages delivered to a local Twilio stand-in that allows `limit` per second. */
async function smsDispatch(): Promise<Figure> {
  const messages = Number(process.env.BENCH_SMS_MESSAGES ?? 10_000);
  const limit = Number(process.env.BENCH_SMS_RATE ?? 200);
  const fake = await startFakeTwilio({ perSecond: limit });
  const dataDir = mkdtempSync(path.join(tmpdir(), 'bench-sms-'));
  const config = loadConfig({
    DATA_DIR: dataDir,
    EMBEDDED_S3_PORT: '0',
    SMS_PROVIDER: 'twilio',
    TWILIO_ACCOUNT_SID: TWILIO.accountSid,
    TWILIO_AUTH_TOKEN: TWILIO.authToken,
    TWILIO_FROM: TWILIO.from,
    TWILIO_API_BASE_URL: fake.url(),
    SMS_MAX_PER_SECOND: String(limit),
  });
  const runtime = await openRuntime(config, { logger: pino({ level: 'silent' }) });
  try {
    const { store } = runtime.deps;
    const cipher = fieldCipher(config.secrets.fieldKeys);
    const now = new Date();
    for (let i = 0; i < messages; i++) {
      const id = `bench-${i}`;
      await store.addRecording(
        { id, assessment_ref: `BENCH-${i}`, recorded_at: now.toISOString(), retain_until: '2999-01-01T00:00:00.000Z', object_key: `recordings/${id}.wav`, content_type: 'audio/wav', size_bytes: 1, sha256: '0'.repeat(64), duration_seconds: 1, nino_hash: null, nino_index: null, phone_encrypted: null, language: 'en' },
        now,
        'bench',
      );
      const payload = { to: '+447700900123', body: `bench message ${i}`, url: `https://x/r/${i}`, until: '1 Dec' };
      await store.issueLink(
        { recordingId: id, tokenHash: `bench-${i}`, keyId: 'k1', phoneMasked: '07*** ***123', issuedBy: 'bench', reason: 'bench' },
        { language: 'en', payloadEncrypted: cipher.encrypt(SMS_PAYLOAD_FIELD, JSON.stringify(payload)), encoding: 'GSM-7', segments: 1 },
        now,
      );
    }
    const dispatcher = portalServices(runtime.deps).dispatcher;
    const started = performance.now();
    let counts = { sent: 0, retrying: 0, failed: 0 };
    while (fake.messages.length < messages && performance.now() - started < 10 * 60_000) {
      const round = await dispatcher.drain();
      counts = { sent: counts.sent + round.sent, retrying: counts.retrying + round.retrying, failed: counts.failed + round.failed };
      if (round.sent === 0) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const seconds = (performance.now() - started) / 1000;
    const perSecond = fake.messages.length / seconds;
    const duplicates = fake.messages.length - new Set(fake.messages.map((m) => m.body)).size;
    const lost = messages - new Set(fake.messages.map((m) => m.body)).size;
    return {
      name: `SMS dispatch (${messages} messages)`,
      value: perSecond,
      unit: 'msg/s',
      baseline: limit,
      baselineName: "provider's rate limit",
      ratio: perSecond / limit,
      goal: '>= 0.90, no duplicates, none lost',
      met: perSecond / limit >= 0.9 && duplicates === 0 && lost === 0,
      notes: { seconds, duplicates, lost, refusedWith429: counts.retrying },
    };
  } finally {
    await runtime.close();
    await fake.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main() {
  const figures = [await smsDispatch()];
  console.table(
    figures.map((f) => ({
      benchmark: f.name,
      measured: `${f.value.toFixed(1)} ${f.unit}`,
      baseline: `${f.baseline.toFixed(1)} ${f.unit} (${f.baselineName})`,
      ratio: f.ratio.toFixed(3),
      goal: f.goal,
      met: f.met ? 'yes' : 'NO',
      ...f.notes,
    })),
  );
  mkdirSync('bench-results', { recursive: true });
  writeFileSync('bench-results/latest.json', `${JSON.stringify({ at: new Date().toISOString(), node: process.version, figures }, null, 2)}\n`);
  console.log('Written to bench-results/latest.json');
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
