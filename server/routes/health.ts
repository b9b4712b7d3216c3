import { Router } from 'express';
import type { PortalDeps } from '../deps';

const CHECK_TIMEOUT_MS = 2000;

function withTimeout(check: () => Promise<unknown>): Promise<'ok' | 'unavailable'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'unavailable'>((resolve) => {
    timer = setTimeout(() => resolve('unavailable'), CHECK_TIMEOUT_MS);
  });
  const outcome = check().then(
    () => 'ok' as const,
    () => 'unavailable' as const,
  );
  return Promise.race([outcome, timeout]).finally(() => clearTimeout(timer));
}

/**
 * `/healthz`: the process is alive (liveness). `/readyz`: the database, the bucket and Redis (when
 * configured) all answer, so the load balancer may send traffic here (readiness); 503 otherwise.
 */
export function healthRoutes(deps: Pick<PortalDeps, 'recordings' | 'objects' | 'redis'>): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const checks: Record<string, 'ok' | 'unavailable'> = {
      database: await withTimeout(() => deps.recordings.ping()),
      objectStorage: await withTimeout(() => deps.objects.ping()),
    };
    if (deps.redis) checks.redis = await withTimeout(() => deps.redis!.ping());
    const ready = Object.values(checks).every((status) => status === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'unavailable', checks });
  });
  return router;
}
