import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../server/store/database';
import { IDEMPOTENCY_CLAIM_LEASE_MS, ProviderStore } from '../../server/store/providerStore';
import { StaffStore } from '../../server/store/staffStore';
import { HOUR, MINUTE } from '../support/testClock';
import { DATABASE_KINDS, freshPostgresSchema, POSTGRES_URL } from '../support/testServices';

const T0 = new Date('2026-11-23T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const LIMITS = { idleMs: 15 * MINUTE, absoluteMs: 8 * HOUR };

describe.each(DATABASE_KINDS)('staff and provider stores on %s', (kind) => {
  let staff: StaffStore;
  let providers: ProviderStore;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'staff-store-'));
    const schema = kind === 'postgres' ? await freshPostgresSchema(POSTGRES_URL!) : undefined;
    const { db } = await openDatabase({ url: schema?.url, sqliteFile: path.join(dir, 'portal.sqlite'), poolSize: 20, statementTimeoutMs: 5000 });
    staff = new StaffStore(db);
    providers = new ProviderStore(db);
    await staff.addAccount({ id: 'staff-1', email: 'a@dwp.example.gov.uk', role: 'agent', passwordHash: 'h', totpSecretEncrypted: 's' }, T0);
    cleanup = async () => {
      await db.destroy();
      await schema?.drop();
      rmSync(dir, { recursive: true, force: true });
    };
  });
  afterEach(() => cleanup());

  const LIMITS_5 = { perAddress: 5, perAccountPerHour: 100 };
  const HERE = '203.0.113.7';
  const THERE = '198.51.100.9';

  test('twenty failed sign-ins from one address racing each other are each counted, and lock the account there exactly once, at the fifth', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => staff.recordFailedSignIn('staff-1', HERE, T0, LIMITS_5)));
    expect(results.filter((result) => result.justLockedHere)).toHaveLength(1);
    expect((await staff.findById('staff-1'))!.hour_failures).toBe(20);
    expect(await staff.lockedAccounts(T0, LIMITS_5)).toEqual([
      { id: 'staff-1', email: 'a@dwp.example.gov.uk', role: 'agent', lockedAt: T0, lockedAddresses: 1, lockedEverywhereUntil: undefined },
    ]);
    expect(await staff.acceptSignIn('staff-1', 100, HERE, T0, LIMITS_5)).toBe(false);
    expect(await staff.acceptSignIn('staff-1', 100, THERE, T0, LIMITS_5)).toBe(true);
    expect(await staff.unlockAccount('staff-1', T0, LIMITS_5)).toBe(true);
    expect(await staff.unlockAccount('staff-1', T0, LIMITS_5)).toBe(false);
    expect(await staff.acceptSignIn('staff-1', 101, HERE, T0, LIMITS_5)).toBe(true);
  });

  test('failures from everywhere reaching the hourly ceiling lock the account everywhere until that hour is over', async () => {
    const limits = { perAddress: 5, perAccountPerHour: 8 };
    // The hour starts at the first failure; the seven after it race each other, each a minute later than the one before.
    const first = await staff.recordFailedSignIn('staff-1', '192.0.2.0', T0, limits);
    const racing = await Promise.all(Array.from({ length: 7 }, (_, i) => staff.recordFailedSignIn('staff-1', `192.0.2.${i + 1}`, at((i + 1) * MINUTE), limits)));
    expect([first, ...racing].filter((result) => result.justReachedHourLimit)).toHaveLength(1);
    expect(await staff.acceptSignIn('staff-1', 100, THERE, at(HOUR - 1), limits)).toBe(false);
    expect((await staff.lockedAccounts(at(HOUR - 1), limits))[0].lockedEverywhereUntil).toEqual(at(HOUR));
    expect(await staff.lockedAccounts(at(HOUR), limits)).toEqual([]);
    expect(await staff.acceptSignIn('staff-1', 100, THERE, at(HOUR), limits)).toBe(true);
  });

  test('a TOTP step is accepted once, even by racing sign-ins, and never an earlier one', async () => {
    const accepted = await Promise.all(Array.from({ length: 10 }, () => staff.acceptSignIn('staff-1', 100, HERE, T0, LIMITS_5)));
    expect(accepted.filter(Boolean)).toHaveLength(1);
    expect(await staff.acceptSignIn('staff-1', 99, HERE, T0, LIMITS_5)).toBe(false);
    expect(await staff.acceptSignIn('staff-1', 101, HERE, T0, LIMITS_5)).toBe(true);
  });

  test('a session lives while touched within 15 minutes, never past 8 hours, and not after sign-out', async () => {
    await staff.startSession('session-1', 'staff-1', T0);
    expect(await staff.touchSession('session-1', at(15 * MINUTE - 1), LIMITS)).toBe('staff-1');
    expect(await staff.touchSession('session-1', at(30 * MINUTE), LIMITS)).toBeUndefined();

    await staff.startSession('session-2', 'staff-1', T0);
    for (let minutes = 10; minutes < 8 * 60; minutes += 10) expect(await staff.touchSession('session-2', at(minutes * MINUTE), LIMITS)).toBe('staff-1');
    expect(await staff.touchSession('session-2', at(8 * HOUR), LIMITS)).toBeUndefined();

    await staff.startSession('session-3', 'staff-1', T0);
    await staff.endSession('session-3', at(MINUTE));
    expect(await staff.touchSession('session-3', at(2 * MINUTE), LIMITS)).toBeUndefined();
  });

  test('an Idempotency-Key raced by ten requests lets exactly one through; the rest wait, then replay its response', async () => {
    await providers.addProvider({ id: 'provider-1', name: 'Provider One', keyHash: 'k1' }, T0);
    const claims = await Promise.all(Array.from({ length: 10 }, () => providers.claimIdempotencyKey('provider-1', 'key-1', 'POST /a', T0)));
    expect(claims.filter((claim) => claim.state === 'new')).toHaveLength(1);
    expect(claims.filter((claim) => claim.state === 'in-progress')).toHaveLength(9);
    await providers.completeIdempotencyKey('provider-1', 'key-1', 201, '{"id":"r1"}');
    expect(await providers.claimIdempotencyKey('provider-1', 'key-1', 'POST /a', T0)).toEqual({ state: 'replay', statusCode: 201, body: '{"id":"r1"}' });
    expect(await providers.claimIdempotencyKey('provider-1', 'key-1', 'POST /b', T0)).toEqual({ state: 'different-request' });

    expect((await providers.claimIdempotencyKey('provider-1', 'key-2', 'POST /a', T0)).state).toBe('new');
    await providers.releaseIdempotencyKey('provider-1', 'key-2');
    expect((await providers.claimIdempotencyKey('provider-1', 'key-2', 'POST /a', T0)).state).toBe('new');
  });

  test('an Idempotency-Key whose request never finished is taken over after the lease, by exactly one request', async () => {
    expect((await providers.claimIdempotencyKey('provider-1', 'key-3', 'POST /a', T0)).state).toBe('new');
    expect((await providers.claimIdempotencyKey('provider-1', 'key-3', 'POST /a', at(IDEMPOTENCY_CLAIM_LEASE_MS - 1))).state).toBe('in-progress');
    const racing = await Promise.all(Array.from({ length: 10 }, () => providers.claimIdempotencyKey('provider-1', 'key-3', 'POST /a', at(IDEMPOTENCY_CLAIM_LEASE_MS))));
    expect(racing.filter((claim) => claim.state === 'new')).toHaveLength(1);
    expect(racing.filter((claim) => claim.state === 'in-progress')).toHaveLength(9);
    await providers.completeIdempotencyKey('provider-1', 'key-3', 201, '{"id":"r3"}');
    // A finished request's response is kept whatever its age.
    expect(await providers.claimIdempotencyKey('provider-1', 'key-3', 'POST /a', at(100 * IDEMPOTENCY_CLAIM_LEASE_MS))).toEqual({ state: 'replay', statusCode: 201, body: '{"id":"r3"}' });
  });

  test('a revoked API key no longer names its provider', async () => {
    await providers.addProvider({ id: 'provider-1', name: 'Provider One', keyHash: 'k1' }, T0);
    expect(await providers.providerForKey('k1')).toBe('provider-1');
    expect(await providers.revokeKeys('provider-1', T0)).toBe(1);
    expect(await providers.providerForKey('k1')).toBeUndefined();
  });
});
