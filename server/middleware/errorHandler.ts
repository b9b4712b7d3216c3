import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';
import { dependencyFailure, isDependencyUnavailable } from '../errors';
import type { RenderProblem } from '../pages/problems';

/**
 * The last word on any failure: a client's mistake (bad encoding, a body too large, a malformed form)
 * gets its 4xx page, a dependency that is down gets "temporarily unavailable", and nothing shows a stack.
 */
export function errorHandler(logger: Logger, renderProblem: RenderProblem): ErrorRequestHandler {
  return (error, _req, res, next) => {
    if (res.headersSent) return next(error);
    const status = typeof error?.status === 'number' ? error.status : typeof error?.statusCode === 'number' ? error.statusCode : 500;
    if (status === 413) return renderProblem(res, 'too-large');
    if (status >= 400 && status < 500) return renderProblem(res, 'bad-request');
    if (isDependencyUnavailable(error)) {
      logger.warn({ err: dependencyFailure(error) }, 'dependency unavailable');
      return renderProblem(res, 'service-unavailable');
    }
    logger.error({ err: { name: error?.name, message: error?.message, stack: error?.stack } }, 'unhandled error');
    return renderProblem(res, 'server-error');
  };
}
