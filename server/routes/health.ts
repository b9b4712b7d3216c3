import { Router } from 'express';
import type { PortalDeps } from '../deps';

/** Below the readiness probe's timeout (infra/k8s/deployment.yaml): the checks run side by side. */
export const DEPENDENCY_CHECK_TIMEOUT_MS = 2000;

type DependencyState = 'ok' | 'unavailable';

function withTimeout(check: () => Promise<unknown>): Promise<DependencyState> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'unavailable'>((resolve) => {
    timer = setTimeout(() => resolve('unavailable'), DEPENDENCY_CHECK_TIMEOUT_MS);
  });
  const outcome = check().then(
    () => 'ok' as const,
    () => 'unavailable' as const,
  );
  return Promise.race([outcome, timeout]).finally(() => clearTimeout(timer));
}

type HealthDeps = Pick<PortalDeps, 'recordings' | 'objects' | 'redis' | 'lifecycle' | 'logger' | 'metrics'>;

/** Each shared dependency's state now; a gauge per dependency, and a log line when one changes. */
function dependencyWatch(deps: HealthDeps) {
  const last = new Map<string, DependencyState>();
  const checks: Array<[string, () => Promise<unknown>]> = [
    ['database', () => deps.recordings.ping()],
    ['objectStorage', () => deps.objects.ping()],
  ];
  if (deps.redis) checks.push(['redis', () => deps.redis!.ping()]);
  return async (): Promise<Record<string, DependencyState>> => {
    const states = await Promise.all(checks.map(async ([name, check]) => [name, await withTimeout(check)] as const));
    for (const [dependency, state] of states) {
      deps.metrics.dependencyUp.set({ dependency }, state === 'ok' ? 1 : 0);
      const before = last.get(dependency);
      last.set(dependency, state);
      if (state === before || (before === undefined && state === 'ok')) continue;
      if (state === 'ok') deps.logger.info({ dependency }, 'dependency answers again');
      else deps.logger.warn({ dependency }, 'dependency unavailable: the requests that need it get 503 until it answers');
    }
    return Object.fromEntries(states);
  };
}

/**
 * Probes about this instance, not about what every instance shares.
 *
 * `/healthz` (liveness): the process is alive and its event loop turns; 200 while draining too, so a
 * drain is never cut short by a restart.
 *
 * `/readyz` (readiness): this instance takes traffic: it has started (the routes exist only once the
 * database is migrated and the store opened) and is not draining; 503 once SIGTERM starts the drain.
 * A shared dependency being down (PostgreSQL, the bucket, Redis) does not make it unready: every pod
 * would go unready together and the Service would have no endpoints at all, turning a partial outage
 * (downloads fail, pages still answer with a clear "try again later") into a total one. The body still
 * says which dependency answers, as do the portal_dependency_up gauges and the log.
 */
export function healthRoutes(deps: HealthDeps): Router {
  const router = Router();
  const dependencies = dependencyWatch(deps);
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    if (deps.lifecycle.draining) {
      res.status(503).json({ status: 'draining' });
      return;
    }
    res.json({ status: 'ready', checks: await dependencies() });
  });
  return router;
}
