import type { Request, Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import type { Config } from '../config';
import type { RenderProblem } from '../routes/problems';

/**
 * Per-address limits in front of the claimant pages. They slow guessing from one address; the
 * per-link lockout (in the store) is what stops guessing spread over many addresses.
 */
export function claimantRateLimits(config: Config, renderProblem: RenderProblem) {
  const handler = (_req: Request, res: Response) => renderProblem(res, 'too-many-attempts');
  return {
    pages: rateLimit({ windowMs: 60_000, limit: config.rateLimits.pagesPerIpPerMinute, standardHeaders: 'draft-8', legacyHeaders: false, handler }),
    ninoAttempts: rateLimit({
      windowMs: 15 * 60_000,
      limit: config.rateLimits.ninoPerIpPer15Min,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      handler,
    }),
  };
}
