import type { Logger } from 'pino';
import { ObjectStoreUnavailable } from './objects/s3Objects';
import { isDatabaseUnavailable } from './store/database';

/** The object store or the database is down or refusing us: "try again later", not the caller's fault. */
export function isDependencyUnavailable(error: unknown): boolean {
  return error instanceof ObjectStoreUnavailable || isDatabaseUnavailable(error);
}

/** What the logs say of a dependency's failure: enough to tell an outage from a refusal, no stack. */
export function dependencyFailure(error: unknown) {
  const { name, code, message } = (error ?? {}) as { name?: string; code?: string; message?: string };
  return { name, code, reason: error instanceof ObjectStoreUnavailable ? error.reason : message };
}

/** The few things any failure can mean to whoever sent the request; each area words them its own way. */
export type Failure = 'too-large' | 'bad-request' | 'service-unavailable' | 'server-error';

const statusOf = (error: unknown): number => {
  const { status, statusCode } = (error ?? {}) as { status?: unknown; statusCode?: unknown };
  return typeof status === 'number' ? status : typeof statusCode === 'number' ? statusCode : 500;
};

/**
 * A client's mistake (bad encoding, a body too large, a malformed form) is theirs to fix and is not
 * logged; a dependency that is down is "try again later" and logged without a stack; anything else
 * is ours, logged in full.
 */
export function classifyFailure(error: unknown, logger: Logger): Failure {
  const status = statusOf(error);
  if (status === 413) return 'too-large';
  if (status >= 400 && status < 500) return 'bad-request';
  if (isDependencyUnavailable(error)) {
    logger.warn({ err: dependencyFailure(error) }, 'dependency unavailable');
    return 'service-unavailable';
  }
  const { name, message, stack } = (error ?? {}) as { name?: string; message?: string; stack?: string };
  logger.error({ err: { name, message, stack } }, 'unhandled error');
  return 'server-error';
}
