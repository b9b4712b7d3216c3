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
