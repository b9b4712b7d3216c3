import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { demoAudio } from '../support/demoAudio';
import { openDatabase } from '../../server/store/database';
import { ProviderStore } from '../../server/store/providerStore';
import type { StaffTables } from '../../server/store/staffSchema';
import { providerKey } from '../support/providerRecording';
import { CLAIMANT, startTestPortal, type TestPortal } from '../support/testPortal';
import { DATABASE_KINDS, freshPostgresSchema, POSTGRES_URL } from '../support/testServices';
import { MINUTE, SECOND } from '../support/testClock';

const T0 = new Date('2026-11-23T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const LEASE_MS = 30 * SECOND;
const HOURS_LATER = 5 * 60 * MINUTE;
const lease = (holder: string) => ({ holder, leaseMs: LEASE_MS });

/** Polls a state the test waits for (bounded by the test's timeout). */
async function waitFor<T>(read: () => Promise<T | undefined>): Promise<T> {
  for (;;) {
    const value = await read();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe.each(DATABASE_KINDS)('Idempotency-Key leases in the store on %s', (kind) => {
  let providers: ProviderStore;
  let openAnother: () => Promise<{ providers: ProviderStore; close(): Promise<void> }>;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'idempotency-lease-'));
    const schema = kind === 'postgres' ? await freshPostgresSchema(POSTGRES_URL!) : undefined;
    const settings = { url: schema?.url, sqliteFile: path.join(dir, 'portal.sqlite'), poolSize: 5, statementTimeoutMs: 5000 };
    const { db } = await openDatabase(settings);
    providers = new ProviderStore(db);
    openAnother = async () => {
      const other = await openDatabase(settings);
      return { providers: new ProviderStore(other.db), close: () => other.db.destroy() };
    };
    cleanup = async () => {
      await db.destroy();
      await schema?.drop();
      rmSync(dir, { recursive: true, force: true });
    };
  });
  afterEach(() => cleanup());

  test('a claim nobody renews is refused until its lease ends and taken over at that instant, not 1 ms before', async () => {
    expect(await providers.claimIdempotencyKey('p1', 'k1', 'POST /a', T0, lease('crashed'))).toEqual({ state: 'new' });
    expect(await providers.claimIdempotencyKey('p1', 'k1', 'POST /a', at(LEASE_MS - 1), lease('retry'))).toEqual({ state: 'in-progress' });
    expect(await providers.claimIdempotencyKey('p1', 'k1', 'POST /b', at(LEASE_MS), lease('other'))).toEqual({ state: 'different-request' });
    expect(await providers.claimIdempotencyKey('p1', 'k1', 'POST /a', at(LEASE_MS), lease('retry'))).toEqual({ state: 'new' });
    // The first holder, should it wake, holds nothing: it cannot renew, store its answer or free the key.
    expect(await providers.renewIdempotencyKey('p1', 'k1', 'crashed', at(2 * LEASE_MS))).toBe(false);
    await providers.completeIdempotencyKey('p1', 'k1', 201, '{"id":"from-crashed"}', 'crashed');
    await providers.releaseIdempotencyKey('p1', 'k1', 'crashed');
    expect(await providers.claimIdempotencyKey('p1', 'k1', 'POST /a', at(LEASE_MS + 1), lease('third'))).toEqual({ state: 'in-progress' });
    await providers.completeIdempotencyKey('p1', 'k1', 201, '{"id":"from-retry"}', 'retry');
    expect(await providers.claimIdempotencyKey('p1', 'k1', 'POST /a', at(100 * LEASE_MS), lease('later'))).toEqual({ state: 'replay', statusCode: 201, body: '{"id":"from-retry"}' });
  });

  test('a claim renewed while its request lives is never taken over, however many lease lengths it runs', async () => {
    expect((await providers.claimIdempotencyKey('p1', 'k2', 'POST /a', T0, lease('live'))).state).toBe('new');
    for (let step = 1; step <= 10; step++) {
      const now = at(step * 20 * SECOND);
      expect(await providers.renewIdempotencyKey('p1', 'k2', 'live', new Date(now.getTime() + LEASE_MS))).toBe(true);
      expect(await providers.claimIdempotencyKey('p1', 'k2', 'POST /a', new Date(now.getTime() + LEASE_MS - 1), lease(`retry-${step}`))).toEqual({ state: 'in-progress' });
    }
    // 200 s: more than six lease lengths. Completed, a claim is no longer renewed, nor taken over.
    await providers.completeIdempotencyKey('p1', 'k2', 201, '{"id":"live"}', 'live');
    expect(await providers.renewIdempotencyKey('p1', 'k2', 'live', at(HOURS_LATER))).toBe(false);
    expect((await providers.claimIdempotencyKey('p1', 'k2', 'POST /a', at(HOURS_LATER), lease('late'))).state).toBe('replay');
  });

  test('a claim from before leases keeps its 75 minutes', async () => {
    const db = (providers as unknown as { db: import('kysely').Kysely<StaffTables> }).db;
    await db.insertInto('idempotency_keys').values({ provider_id: 'p1', key: 'old', request_fingerprint: 'POST /a', status_code: null, response_body: null, created_at: T0.toISOString(), holder: null, lease_until: null }).execute();
    expect((await providers.claimIdempotencyKey('p1', 'old', 'POST /a', at(75 * MINUTE - 1), lease('r1'))).state).toBe('in-progress');
    expect((await providers.claimIdempotencyKey('p1', 'old', 'POST /a', at(75 * MINUTE), lease('r2'))).state).toBe('new');
  });

  test('two instances racing for a lapsed claim: exactly one wins, every time', async () => {
    const other = await openAnother();
    try {
      for (let round = 0; round < 10; round++) {
        const key = `lapsed-${round}`;
        await providers.claimIdempotencyKey('p1', key, 'POST /a', T0, lease('crashed'));
        const racing = await Promise.all(
          Array.from({ length: 6 }, (_, i) => (i % 2 ? other.providers : providers).claimIdempotencyKey('p1', key, 'POST /a', at(LEASE_MS), lease(`racer-${i}`))),
        );
        expect(racing.filter((claim) => claim.state === 'new')).toHaveLength(1);
        expect(racing.filter((claim) => claim.state === 'in-progress')).toHaveLength(5);
      }
    } finally {
      await other.close();
    }
  });
});

/** A provider's upload whose body arrives in two halves: the first (fields and some audio) now, the rest when asked. */
function multipartUpload(fields: Record<string, string>, audio: Buffer) {
  const boundary = `lease-test-${Math.random().toString(36).slice(2)}`;
  const head = Object.entries(fields)
    .map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
    .join('');
  const body = Buffer.concat([
    Buffer.from(`${head}--${boundary}\r\nContent-Disposition: form-data; name="audio"; filename="a.wav"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    audio,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { body, contentType: `multipart/form-data; boundary=${boundary}`, firstPart: body.subarray(0, body.length - audio.length / 2) };
}

describe('an upload holding its Idempotency-Key over HTTP', () => {
  let portal: TestPortal;
  let server: Server;
  let apiKey: string;
  const upload = multipartUpload({ assessmentRef: 'LEASE-1', nino: CLAIMANT.nino, mobile: CLAIMANT.phone }, demoAudio(1));

  beforeEach(async () => {
    portal = await startTestPortal({ IDEMPOTENCY_LEASE: '30s', IDEMPOTENCY_LEASE_RENEW: '1s' });
    portal.clock.set(T0);
    apiKey = await providerKey(portal);
  });
  afterEach(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await portal.close();
  });

  const claimOf = (key: string) => portal.db.withTables<StaffTables>().selectFrom('idempotency_keys').selectAll().where('key', '=', key).executeTakeFirst();

  /** Sends the upload's first half to an instance and holds the rest back until `finish`. */
  function slowUpload(app: TestPortal['app'], key: string) {
    server = app.listen(0);
    const { port } = server.address() as AddressInfo;
    const headers = { Authorization: `Bearer ${apiKey}`, 'Idempotency-Key': key, 'Content-Type': upload.contentType, 'Content-Length': String(upload.body.length) };
    const sent = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/api/v1/recordings', headers });
    const answer = new Promise<{ status: number; body: { id?: string } }>((resolve, reject) => {
      sent.once('response', (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.once('end', () => resolve({ status: response.statusCode!, body: JSON.parse(text) }));
      });
      sent.once('error', reject);
    });
    answer.catch(() => {});
    sent.write(upload.firstPart);
    return {
      finish: () => {
        sent.end(upload.body.subarray(upload.firstPart.length));
        return answer;
      },
      abandon: () => sent.destroy(),
    };
  }

  const retry = (key: string) =>
    request(portal.app).post('/api/v1/recordings').set('Authorization', `Bearer ${apiKey}`).set('Idempotency-Key', key).set('Content-Type', upload.contentType).send(upload.body);

  test('is renewed while it runs: retries over several lease lengths are "in progress", then replay its answer', async () => {
    const live = slowUpload(portal.app, 'live-key');
    await waitFor(async () => (await claimOf('live-key'))?.holder ?? undefined);
    for (let step = 1; step <= 5; step++) {
      portal.clock.advance(20 * SECOND);
      const renewedUntil = at(step * 20 * SECOND + LEASE_MS).toISOString();
      await waitFor(async () => ((await claimOf('live-key'))?.lease_until === renewedUntil ? true : undefined));
      const refused = await retry('live-key');
      expect([refused.status, refused.body.type]).toEqual([409, expect.stringContaining('idempotency-key-in-progress')]);
    }
    const first = await live.finish();
    expect(first.status).toBe(201);
    const replay = await retry('live-key');
    expect([replay.status, replay.headers['idempotent-replayed'], replay.body.id]).toEqual([201, 'true', first.body.id]);
  });

  test("whose instance crashed: the provider's retry is refused until the lease ends, then taken over at that instant", async () => {
    const crashed = await portal.anotherInstance();
    const stalled = slowUpload(crashed.app, 'crash-key');
    await waitFor(async () => (await claimOf('crash-key'))?.holder ?? undefined);
    // The instance stops: nothing renews its claim any more (its renewals fail on a closed database).
    await crashed.close();
    const leaseEnds = new Date((await claimOf('crash-key'))!.lease_until!);
    try {
      portal.clock.set(new Date(leaseEnds.getTime() - 1));
      expect((await retry('crash-key')).status).toBe(409);
      portal.clock.set(leaseEnds);
      const taken = await retry('crash-key');
      expect(taken.status).toBe(201);
      expect(taken.body.id).toEqual(expect.any(String));
      const replay = await retry('crash-key');
      expect([replay.status, replay.body.id]).toEqual([201, taken.body.id]);
    } finally {
      stalled.abandon();
    }
  });
});
