import { ObjectStoreUnavailable } from '../objects/s3Objects';

/** What the logs say of a dependency's failure: enough to tell an outage from a refusal, no stack. */
export function dependencyFailure(error: unknown) {
  const { name, code, message } = (error ?? {}) as { name?: string; code?: string; message?: string };
  return { name, code, reason: error instanceof ObjectStoreUnavailable ? error.reason : message };
}
