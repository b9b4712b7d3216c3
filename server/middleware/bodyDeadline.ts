import type { Request, RequestHandler } from 'express';

/**
 * Pages take forms of a few hundred bytes, receipts and the API's other bodies a few kilobytes. The
 * server lets a request take an hour to arrive (a provider's 1 GB upload on a slow line), so any other
 * body still arriving after this long is someone holding a socket open on purpose, and the connection
 * is closed.
 */
export const FORM_BODY_DEADLINE_MS = 60_000;

const LIFT = Symbol('lift the body deadline');
type Lifted = Request & { [LIFT]?: () => void };

export function formBodyDeadline(deadlineMs = FORM_BODY_DEADLINE_MS): RequestHandler {
  return (req, _res, next) => {
    if (req.complete) return next();
    const timer = setTimeout(() => {
      if (!req.complete) req.socket.destroy();
    }, deadlineMs);
    timer.unref();
    (req as Lifted)[LIFT] = () => clearTimeout(timer);
    // Not cleared by the answer: a body still arriving after an early refusal holds the socket as surely.
    req.once('close', () => clearTimeout(timer));
    req.once('end', () => clearTimeout(timer));
    next();
  };
}

/**
 * Hands a body over from the deadline to a rule of its own: an admitted upload, which may take an
 * hour, is bounded by its pace instead (UPLOAD_IDLE_TIMEOUT, UPLOAD_MIN_RATE_KB).
 */
export function liftBodyDeadline(req: Request): void {
  (req as Lifted)[LIFT]?.();
}
