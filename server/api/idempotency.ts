import { createHmac, randomUUID, type BinaryLike } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Clock } from '../clock';
import type { ProviderStore } from '../store/providerStore';
import { problem, send, type ApiResult } from './apiResult';
import { providerOf } from './providerAuth';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

/** Does a request's work at most once per Idempotency-Key; `replayed` says the answer is the one stored for its first sending. */
export type OnceOnly = (fingerprint: string, work: () => Promise<ApiResult>) => Promise<{ result: ApiResult; replayed: boolean }>;

type KeyStore = Pick<ProviderStore, 'claimIdempotencyKey' | 'renewIdempotencyKey' | 'completeIdempotencyKey' | 'releaseIdempotencyKey'>;

/** How long a claim stands unless renewed, and how often the request holding it renews it. */
export interface IdempotencyLease {
  leaseMs: number;
  renewEveryMs: number;
}

const everyTime: OnceOnly = async (_fingerprint, work) => ({ result: await work(), replayed: false });

/**
 * Renews the claim while its request lives; returns the function that stops. A renewal that fails
 * (the database busy or restarting) is tried again at the next tick: the lease outlasts two misses.
 */
function keepClaim(keys: KeyStore, clock: Clock, providerId: string, key: string, holder: string, lease: IdempotencyLease): () => void {
  let renewing = false;
  const timer = setInterval(() => {
    if (renewing) return;
    renewing = true;
    keys
      .renewIdempotencyKey(providerId, key, holder, new Date(clock().getTime() + lease.leaseMs))
      .catch(() => false)
      .finally(() => (renewing = false));
  }, lease.renewEveryMs);
  timer.unref();
  return () => clearInterval(timer);
}

function onceFor(keys: KeyStore, clock: Clock, lease: IdempotencyLease, providerId: string, key: string): OnceOnly {
  return async (fingerprint, work) => {
    // This request's own name for its claim: only it renews, completes or releases it.
    const holder = randomUUID();
    const claim = await keys.claimIdempotencyKey(providerId, key, fingerprint, clock(), { holder, leaseMs: lease.leaseMs });
    if (claim.state === 'replay') return { result: { status: claim.statusCode, body: JSON.parse(claim.body) }, replayed: true };
    if (claim.state === 'in-progress') return { result: problem('idempotency-key-in-progress'), replayed: false };
    if (claim.state === 'different-request') {
      return { result: problem('idempotency-key-mismatch', 'this Idempotency-Key was first sent with a different request; use a new key for a new request'), replayed: false };
    }
    // A failure on our side (or a client that went), or a "try again later", frees the key for a retry.
    const release = () => keys.releaseIdempotencyKey(providerId, key, holder).catch(() => {});
    const stopRenewing = keepClaim(keys, clock, providerId, key, holder, lease);
    let result: ApiResult;
    try {
      result = await work();
    } catch (error) {
      stopRenewing();
      await release();
      throw error;
    }
    stopRenewing();
    if (result.retryAfterSeconds !== undefined) await release();
    else await keys.completeIdempotencyKey(providerId, key, result.status, JSON.stringify(result.body), holder);
    return { result, replayed: false };
  };
}

/**
 * The Idempotency-Key protocol (draft-ietf-httpapi-idempotency-key-header), for a provider's POSTs,
 * after `providerAuth`. A malformed key is refused at once. Otherwise the route gets `onceOnly(res)`,
 * which claims the key for the request's fingerprint: the work is done once and its answer stored; a
 * repeat gets that answer, "in progress" while the first is still being done, or 422 when the key
 * was first sent with a different request. Without a key the work is simply done. The claim is a
 * lease the request renews while it runs, so a key whose instance crashed is free within `leaseMs`.
 */
export function idempotencyKeys(keys: KeyStore, clock: Clock, lease: IdempotencyLease): RequestHandler {
  return (req, res, next) => {
    const key = req.get('Idempotency-Key');
    if (key !== undefined && !IDEMPOTENCY_KEY.test(key)) {
      req.resume();
      return send(res, problem('bad-request', 'Idempotency-Key must be 1 to 255 printable ASCII characters'));
    }
    res.locals.onceOnly = key === undefined ? everyTime : onceFor(keys, clock, lease, providerOf(res), key);
    next();
  };
}

export const onceOnly = (res: Response): OnceOnly => res.locals.onceOnly;

/** A bodiless request is what it asks for: its method and path. */
export const requestFingerprint = (req: Request) => `${req.method} ${req.baseUrl}${req.path}`;

/**
 * An upload's fingerprint: method, path, declared Content-Length and the form fields, which come
 * before the file (the declared sha256 among them). It is known before the file is read, so a
 * replay is answered without receiving (or hashing) the audio again. A keyed hash, since the fields
 * hold a NINO and a mobile number.
 */
export const uploadFingerprint = (key: BinaryLike, req: Request, fields: Record<string, string>) =>
  createHmac('sha256', key)
    .update('idempotency-fingerprint\0')
    .update(JSON.stringify([req.method, `${req.baseUrl}${req.path}`, req.get('Content-Length') ?? null, Object.entries(fields).sort(([a], [b]) => a.localeCompare(b))]))
    .digest('hex');
