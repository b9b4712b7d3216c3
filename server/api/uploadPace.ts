import type { Readable } from 'node:stream';

/** How slowly an upload's body may arrive (config: UPLOAD_IDLE_TIMEOUT, UPLOAD_MIN_RATE_KB). */
export interface UploadPace {
  /** The window: one in which nothing arrives (the portal ready to read) ends the upload. */
  idleTimeoutMs: number;
  /** The least a window must bring, per second of it; 0 keeps only the idle rule. */
  minBytesPerSecond: number;
}

/**
 * What one window of the body says of the client: on pace, or too slow (with why, for the client).
 * A window in which the portal itself stopped reading (backpressure from the bucket) says nothing.
 */
export function paceVerdict(pace: UploadPace, window: { bytes: number; portalPaused: boolean }): { ok: true } | { ok: false; detail: string } {
  if (window.portalPaused) return { ok: true };
  const seconds = pace.idleTimeoutMs / 1000;
  if (window.bytes === 0) return { ok: false, detail: `nothing of the upload arrived for ${seconds} s` };
  const least = pace.minBytesPerSecond * seconds;
  if (window.bytes < least) return { ok: false, detail: `the upload arrived at under ${pace.minBytesPerSecond / 1024} KB/s for ${seconds} s` };
  return { ok: true };
}

/**
 * Watches a request body window by window and calls `tooSlow` once (and stops) when a window is off
 * pace. A pause of the body (the parser or the bucket not keeping up) voids the window it falls in:
 * the client is not blamed for the portal's own slowness. Stops by itself once the body has ended.
 */
export function watchPace(body: Readable, pace: UploadPace, tooSlow: (detail: string) => void): { stop(): void } {
  let bytes = 0;
  let portalPaused = false;
  const counted = (chunk: Buffer) => {
    bytes += chunk.length;
  };
  const paused = () => {
    portalPaused = true;
  };
  const timer = setInterval(() => {
    const verdict = paceVerdict(pace, { bytes, portalPaused: portalPaused || body.isPaused() });
    bytes = 0;
    portalPaused = false;
    if (verdict.ok) return;
    stop();
    tooSlow(verdict.detail);
  }, pace.idleTimeoutMs);
  timer.unref();
  function stop() {
    clearInterval(timer);
    body.off('data', counted);
    body.off('pause', paused);
    body.off('end', stop);
    body.off('close', stop);
  }
  body.on('data', counted);
  body.on('pause', paused);
  body.on('end', stop);
  body.on('close', stop);
  return { stop };
}
