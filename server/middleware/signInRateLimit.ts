import type { Request, RequestHandler } from 'express';
import { ipKeyGenerator, rateLimit, type Store } from 'express-rate-limit';

/** Where a sign-in comes from, keyed as the sign-in rate limit keys it (an IPv6 address by its /56). */
export const signInAddress = (req: Request) => ipKeyGenerator(req.ip ?? 'unknown');

/**
 * Slows password guessing from one address (counted in Redis when there is one, so every instance
 * counts the same tries); each account's hourly ceiling of failures stops guessing spread wider.
 */
export function signInRateLimit(store: Store | undefined, tooMany: RequestHandler): RequestHandler {
  return rateLimit({
    windowMs: 15 * 60_000,
    limit: 30,
    store,
    passOnStoreError: true,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: tooMany,
  });
}
