import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../server/config';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'resilience-config-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const load = (env: Record<string, string>) => loadConfig({ DATA_DIR: dataDir, ...env });
const errorOf = (env: Record<string, string>) => {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('accepted');
};

test('defaults: a 30 s Idempotency-Key lease renewed every 5 s; incomplete uploads swept hourly once 2 h old', () => {
  const config = load({});
  expect(config.idempotencyLease).toEqual({ leaseMs: 30_000, renewEveryMs: 5_000 });
  expect(config.multipartSweep).toEqual({ intervalMs: 3_600_000, abandonedAfterMs: 7_200_000 });
});

test('a renewal that could miss its lease, a lease that blocks retries for long, or a sweep that could abort a live upload is refused with one line', () => {
  expect(errorOf({ IDEMPOTENCY_LEASE: '30s', IDEMPOTENCY_LEASE_RENEW: '11s' })).toMatch(/^IDEMPOTENCY_LEASE_RENEW: must be at most a third of IDEMPOTENCY_LEASE$/);
  expect(load({ IDEMPOTENCY_LEASE: '30s', IDEMPOTENCY_LEASE_RENEW: '10s' }).idempotencyLease.renewEveryMs).toBe(10_000);
  expect(errorOf({ IDEMPOTENCY_LEASE: '11m' })).toMatch(/^IDEMPOTENCY_LEASE: must be at most 10m/);
  expect(errorOf({ MULTIPART_ABANDONED_AFTER: '59m' })).toMatch(/^MULTIPART_ABANDONED_AFTER: must be at least 1h/);
  expect(errorOf({ MULTIPART_SWEEP_INTERVAL: 'hourly' })).toMatch(/^MULTIPART_SWEEP_INTERVAL: must be a duration/);
});
