import { ConfigError, duration, type Env } from './read';

/** The longest a request may take (main.ts's REQUEST_TIMEOUT_MS): an upload's parts are in use until then. */
const LONGEST_REQUEST_MS = 60 * 60_000;

function idempotencyLease(env: Env) {
  const leaseMs = duration(env, 'IDEMPOTENCY_LEASE', '30s');
  const renewEveryMs = duration(env, 'IDEMPOTENCY_LEASE_RENEW', '5s');
  if (leaseMs > 10 * 60_000) throw new ConfigError('IDEMPOTENCY_LEASE', "must be at most 10m: it is how long a crashed instance's key blocks the provider's retry");
  // Two renewals may fail (a slow or restarting database) before a live request's claim could lapse.
  if (renewEveryMs * 3 > leaseMs) throw new ConfigError('IDEMPOTENCY_LEASE_RENEW', 'must be at most a third of IDEMPOTENCY_LEASE');
  return { leaseMs, renewEveryMs };
}

function multipartSweep(env: Env) {
  const abandonedAfterMs = duration(env, 'MULTIPART_ABANDONED_AFTER', '2h');
  if (abandonedAfterMs < LONGEST_REQUEST_MS) throw new ConfigError('MULTIPART_ABANDONED_AFTER', 'must be at least 1h, the longest an upload may take: a younger one may still be in use');
  return { intervalMs: duration(env, 'MULTIPART_SWEEP_INTERVAL', '1h'), abandonedAfterMs };
}

/** How the portal recovers from what a crashed instance leaves: its claims' leases, its incomplete uploads. */
export function resilienceSettings(env: Env) {
  return { idempotencyLease: idempotencyLease(env), multipartSweep: multipartSweep(env) };
}
