import type { Request, Response } from 'express';
import { rateLimit, type Store } from 'express-rate-limit';
import type { Redis } from 'ioredis';
import type { RedisReply } from 'rate-limit-redis';
import type { Config } from '../config';

/** With Redis every instance counts the same hits; without it each counts its own, in memory. */
export function sharedStore(redis: Redis | undefined, prefix: string): Store | undefined {
  if (!redis) return undefined;
  const { RedisStore }: typeof import('rate-limit-redis') = require('rate-limit-redis');
  return new RedisStore({
    prefix,
    sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<RedisReply>,
  });
}

/**
 * Per-address limits in front of the claimant pages. They slow guessing from one address; the
 * per-link lockout (in the database) is what stops guessing spread over many addresses. If Redis
 * fails, the limits let requests through rather than take the service down (/readyz reports it).
 */
export function claimantRateLimits(config: Config, redis: Redis | undefined, answerLimited: (res: Response) => void) {
  const limiter = (name: string, windowMs: number, limit: number) =>
    rateLimit({
      windowMs,
      limit,
      store: sharedStore(redis, `${config.redisKeyPrefix}rate:${name}:`),
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      passOnStoreError: true,
      handler: (_req: Request, res: Response) => answerLimited(res),
    });
  return {
    pages: limiter('pages', 60_000, config.rateLimits.pagesPerIpPerMinute),
    ninoAttempts: limiter('nino', 15 * 60_000, config.rateLimits.ninoPerIpPer15Min),
  };
}
