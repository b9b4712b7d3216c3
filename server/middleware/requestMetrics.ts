import type { RequestHandler } from 'express';
import type { PortalMetrics } from '../observability/metrics';

/** Counts and times every request by its route pattern (`/r/:token`), never by its concrete path. */
export function requestMetrics(metrics: PortalMetrics): RequestHandler {
  return (req, res, next) => {
    const stop = metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : res.statusCode === 404 ? 'unmatched' : 'static';
      const labels = { route, method: req.method };
      stop(labels);
      metrics.httpRequests.inc({ ...labels, status: String(res.statusCode) });
    });
    next();
  };
}
