/**
 * Whether this instance is taking new work. SIGTERM (a rolling deploy, a scale-down) starts the
 * drain: readiness turns false so the load balancer sends no more traffic, new uploads are turned
 * away with a Retry-After that sends the provider's retry to another instance, and whoever holds
 * work in flight (an upload, a background job) is told to finish or abort it cleanly.
 */
export interface InstanceLifecycle {
  readonly draining: boolean;
  /** Idempotent: the listeners are told once. */
  drain(): void;
  /** Called at once if the drain has already begun. Returns a function that stops listening. */
  onDrain(listener: () => void): () => void;
}

export function instanceLifecycle(): InstanceLifecycle {
  let draining = false;
  const listeners = new Set<() => void>();
  return {
    get draining() {
      return draining;
    },
    drain() {
      if (draining) return;
      draining = true;
      for (const listener of [...listeners]) listener();
    },
    onDrain(listener) {
      if (draining) {
        listener();
        return () => undefined;
      }
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
