import { Router, type NextFunction, type Request, type Response } from 'express';
import type { PortalDeps } from '../deps';
import { dependencyFailure, isDependencyUnavailable } from '../errors';
import type { ProviderServices } from '../services/providers';
import type { PortalServices } from '../services';
import { problem, send } from './apiResult';
import { idempotencyKeys } from './idempotency';
import { OPENAPI_DOCUMENT } from './openapi';
import { providerAuth } from './providerAuth';
import { recordingRoutes } from './recordingRoutes';
import { transcriptApiRoutes } from './transcriptRoutes';

/** Turns what went wrong into a problem document: a client's unreadable request is its 4xx, a store that is down a 503. */
function apiErrors(logger: PortalDeps['logger']) {
  return (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const status = (error as { status?: unknown })?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) return send(res, problem(status === 413 ? 'too-large' : 'bad-request'));
    if (isDependencyUnavailable(error)) {
      logger.warn({ err: dependencyFailure(error) }, 'dependency unavailable');
      return send(res, problem('service-unavailable'));
    }
    logger.error({ err: { name: (error as Error)?.name, message: (error as Error)?.message } }, 'provider API error');
    send(res, problem('server-error'));
  };
}

/**
 * The assessment provider API under /api/v1: bearer API keys scoped to the provider's own
 * recordings, multipart uploads checked before anything is stored, idempotent POSTs, and errors
 * as problem+json. Responses carry no personal data.
 */
export function providerApiRoutes(deps: PortalDeps, provider: ProviderServices, services: Pick<PortalServices, 'transcripts'>): Router {
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(JSON.stringify(OPENAPI_DOCUMENT));
  });
  router.use(providerAuth(provider.accounts));
  router.use(
    recordingRoutes(provider.recordings, {
      maxUploadBytes: deps.config.apiMaxUploadBytes,
      fingerprintKey: deps.config.secrets.ninoIndexKey,
      idempotency: idempotencyKeys(provider.idempotencyKeys, deps.clock, deps.config.idempotencyLease),
      uploadDeps: deps,
    }),
  );
  router.use(transcriptApiRoutes(deps, services));
  router.use((_req, res) => send(res, problem('not-found')));
  router.use(apiErrors(deps.logger));
  return router;
}
