import type { RequestHandler } from 'express';

/**
 * Pages take forms of a few hundred bytes. The server lets a request take an hour to arrive (a
 * provider's 1 GB upload on a slow line), so below the API a body still arriving after this long is
 * someone holding a socket open on purpose, and the connection is closed.
 */
export const FORM_BODY_DEADLINE_MS = 60_000;

export function formBodyDeadline(deadlineMs = FORM_BODY_DEADLINE_MS): RequestHandler {
  return (req, res, next) => {
    if (req.complete) return next();
    const timer = setTimeout(() => {
      if (!req.complete) req.socket.destroy();
    }, deadlineMs);
    timer.unref();
    res.once('close', () => clearTimeout(timer));
    req.once('end', () => clearTimeout(timer));
    next();
  };
}
