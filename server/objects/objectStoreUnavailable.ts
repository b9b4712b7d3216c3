/**
 * Raised when the object store fails a request, so pages can say "temporarily unavailable". `reason`
 * says why for the logs: a store that is down and a bucket policy that refuses us look alike to a
 * claimant, not to an operator.
 */
export class ObjectStoreUnavailable extends Error {
  readonly reason: string;
  /**
   * The store answered, with our credentials accepted, that this object may not be touched (Object
   * Lock, a bucket policy): trying again will not help. Wrong credentials, a skewed clock or an outage
   * are not refusals: they concern every object, not this one.
   */
  readonly refused: boolean;

  constructor(cause: unknown) {
    super('object storage is unavailable', { cause });
    this.name = 'ObjectStoreUnavailable';
    const failure = cause as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } } | undefined;
    // The HTTP status the store answered with; undefined when it did not answer (refused, timed out).
    const status = failure?.$metadata?.httpStatusCode;
    this.reason = [failure?.name ?? 'Error', failure?.code, status && `HTTP ${status}`, failure?.message].filter(Boolean).join(': ');
    this.refused = status === 403 && failure?.name === 'AccessDenied';
  }
}

/** Any failure to store or delete (refused, timed out, denied, 5xx) is the store's, not the caller's input. */
export async function unavailableOnFailure<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    throw new ObjectStoreUnavailable(error);
  }
}
