import express from 'express';
import type { PortalMetrics } from './metrics';

/** Served on METRICS_PORT only, so the public port never exposes operational data. */
export function createMetricsApp(metrics: PortalMetrics) {
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return app;
}
