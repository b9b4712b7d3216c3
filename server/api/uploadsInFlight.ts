import type { InstanceLifecycle } from '../lifecycle';
import type { StopReason } from './upload';

/**
 * How long an upload in flight when the drain begins may go on arriving: until this long before
 * SHUTDOWN_TIMEOUT, so the uploads given up then have time to abort their multipart uploads and
 * answer before main.ts closes every connection. With SHUTDOWN_TIMEOUT 25 s (and the pod's 40 s
 * terminationGracePeriodSeconds), 20 s to finish, then 5 s to clean up.
 */
export const UPLOAD_CLEANUP_MARGIN_MS = 5_000;

export const uploadDrainGraceMs = (shutdownTimeoutMs: number) => Math.max(0, shutdownTimeoutMs - UPLOAD_CLEANUP_MARGIN_MS);

/** Long enough for the load balancer to have taken this instance out; the retry goes to another. */
export const SHUTTING_DOWN_RETRY_AFTER_SECONDS = 5;

/**
 * The uploads this instance is receiving, and what the drain does to them: none is taken once it
 * has begun (the route asks `draining` first), and each whose body is still arriving at the drain
 * deadline is told to stop (its signal is aborted with reason 'shutting-down').
 */
export function uploadsInFlight(lifecycle: Pick<InstanceLifecycle, 'draining' | 'onDrain'>, graceMs: number) {
  const inFlight = new Set<AbortController>();
  let deadlinePassed = false;
  const reason = { reason: 'shutting-down' satisfies StopReason, detail: 'this server is shutting down; nothing was stored, send the upload again' };
  lifecycle.onDrain(() => {
    setTimeout(() => {
      deadlinePassed = true;
      for (const upload of inFlight) upload.abort(reason);
    }, graceMs).unref();
  });
  return {
    get draining() {
      return lifecycle.draining;
    },
    /** One upload's stop signal; `end` once it has been answered. */
    begin(): { signal: AbortSignal; end(): void } {
      const upload = new AbortController();
      if (deadlinePassed) upload.abort(reason);
      inFlight.add(upload);
      return { signal: upload.signal, end: () => inFlight.delete(upload) };
    },
  };
}
