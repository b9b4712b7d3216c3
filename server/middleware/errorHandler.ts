import type { ErrorRequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { classifyFailure, type Failure } from '../errors';

/**
 * The last word on any failure in one area of the portal: the area's own page for what the failure
 * means (a claimant's in the claimant's words, a member of staff's in the console's), never a stack.
 */
export function errorPages(logger: Logger, renderFailure: (res: Response, failure: Failure) => void): ErrorRequestHandler {
  return (error, _req, res, next) => {
    if (res.headersSent) return next(error);
    renderFailure(res, classifyFailure(error, logger));
  };
}
