import type { Response } from 'express';
import { problemBody, type ProblemType } from './problems';

/** An answer of the provider API, before it is sent. */
export interface ApiResult {
  status: number;
  body: object;
  location?: string;
  /** Set on an answer that says "try again later": it is not the request's answer, so it is never stored for its Idempotency-Key. */
  retryAfterSeconds?: number;
}

export const problem = (type: ProblemType, detail?: string, field?: string): ApiResult => {
  const body = problemBody(type, detail, field);
  return { status: body.status, body };
};

export function send(res: Response, result: ApiResult, replayed = false) {
  if (result.location) res.setHeader('Location', result.location);
  if (result.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(result.retryAfterSeconds));
  if (replayed) res.setHeader('Idempotent-Replayed', 'true');
  res
    .status(result.status)
    .type(result.status >= 400 ? 'application/problem+json' : 'application/json')
    .send(JSON.stringify(result.body));
}
