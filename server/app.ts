import path from 'node:path';
import express from 'express';
import { PROJECT_ROOT } from './projectRoot';
import { compressResponses } from './middleware/compression';
import { plainCookies } from './middleware/cookies';
import { formBodyDeadline } from './middleware/bodyDeadline';
import { errorPages } from './middleware/errorHandler';
import { languageChoice } from './middleware/language';
import { claimantRateLimits } from './middleware/rateLimits';
import { requestLogging } from './middleware/requestLogging';
import { requestMetrics } from './middleware/requestMetrics';
import { noStore, securityHeaders } from './middleware/securityHeaders';
import { hashedAssets, portalAssetFiles } from './routes/assets';
import { claimantRoutes } from './routes/claimant';
import { healthRoutes } from './routes/health';
import { webhookRoutes } from './routes/webhooks';
import { informationRoutes } from './routes/information';
import { verificationRoutes } from './routes/verification';
import { problemRenderer } from './pages/problems';
import { staffFailureRenderer } from './pages/staff/staffFailures';
import { staticPageRenderer } from './pages/staticPages';
import { configureViews, GOVUK_FRONTEND } from './pages/views';
import type { PortalDeps } from './deps';
import type { PortalServices } from './services';
import type { ProviderServices } from './services/providers';
import type { StaffServices } from './services/staff';
import { staffConsoleRoutes } from './routes/staff';
import { providerApiRoutes } from './api/providerApi';

/** What the app serves, built by openPortal: it builds nothing of its own. */
export interface PortalParts {
  deps: PortalDeps;
  services: PortalServices;
  staff: StaffServices;
  providers: ProviderServices;
}

/** What a test may shorten to see a bound act within its run; production takes the defaults. */
export interface AppOptions {
  /** How long a page's form body or a delivery receipt may take to arrive (default FORM_BODY_DEADLINE_MS). */
  formBodyDeadlineMs?: number;
}

/**
 * The portal's HTTP app over the dependencies and services openPortal built (it builds none of its
 * own, so the app and the jobs share one dispatcher, one signer); the order below is the order a
 * request meets it.
 */
export function createApp({ deps, services, staff, providers }: PortalParts, options: AppOptions = {}) {
  const { config } = deps;
  const app = express();
  app.set('trust proxy', config.trustProxy);
  app.disable('x-powered-by');
  // Pages are sent with no-store and assets carry their content hash in their names, so an ETag (a
  // hash of every page sent) would never be used.
  app.disable('etag');

  const hashedAssetFiles = hashedAssets(portalAssetFiles(path.join(PROJECT_ROOT, 'static'), path.join(GOVUK_FRONTEND, 'dist/govuk')));
  const views = configureViews(app, { production: config.production, supportPhone: config.supportPhone, assetUrl: hashedAssetFiles.url });

  app.use(requestLogging(deps.logger));
  app.use(requestMetrics(deps.metrics));
  app.use(securityHeaders(deps.objects.origin));
  app.use(compressResponses());
  // Small bodies under a deadline (the server waits an hour for a provider's upload): the receipts here, the pages below the API.
  const bodyDeadline = formBodyDeadline(options.formBodyDeadlineMs);
  app.use(healthRoutes(deps));
  app.use('/webhooks', bodyDeadline);
  app.use(webhookRoutes(deps));
  const assets = { index: false, maxAge: config.production ? '1d' : 0 };
  app.use('/assets', express.static(path.join(GOVUK_FRONTEND, 'dist/govuk/assets'), assets));
  app.use('/govuk', express.static(path.join(GOVUK_FRONTEND, 'dist/govuk'), { ...assets, extensions: false }));
  app.use('/static', express.static(path.join(PROJECT_ROOT, 'static'), assets));
  app.use(hashedAssetFiles.router);

  app.use(noStore);
  app.use(plainCookies());
  app.use(languageChoice());
  // The API reads its own bodies (multipart) and answers every refusal as a problem document, so it
  // comes before the pages' form parser, whose refusals are pages.
  // Its bodies are small too, but for an admitted upload's, which its pace rule bounds instead.
  app.use('/api/v1', bodyDeadline, providerApiRoutes(deps, providers, services));
  app.use(bodyDeadline);
  app.use(express.urlencoded({ extended: false, limit: '4kb', parameterLimit: 10 }));

  const renderStaticPage = staticPageRenderer(views);
  const renderProblem = problemRenderer(config.access, renderStaticPage);

  // Each area answers its own failures: the console in its words, the claimant pages in theirs (the API's are problem documents, above).
  app.use('/staff', staffConsoleRoutes(deps, staff), errorPages(deps.logger, staffFailureRenderer(views)));
  app.use(informationRoutes(config.access, renderStaticPage));
  app.use(verificationRoutes(deps.recordings, services.manifests));
  app.use(claimantRoutes(services.gatekeeper, { renderProblem, renderStaticPage }, claimantRateLimits(config, deps.redis, (res) => renderProblem(res, 'too-many-attempts')), deps, services.transcripts));

  app.use((_req, res) => renderProblem(res, 'page-not-found'));
  app.use(errorPages(deps.logger, renderProblem));
  return app;
}
