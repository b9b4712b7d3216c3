import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { installCrashPolicy } from './crashPolicy';
import { DEMO, seedDemo } from './demo';
import { dependencyFailure } from './errors';
import { createMetricsApp } from './observability/metricsApp';
import { openRuntime } from './runtime';
import { portalServices } from './services';
import { startMultipartSweep } from './services/multipartSweep';
import { retentionSweep } from './services/retention';

/** A port another process holds is the operator's to fix: one line naming the variable, not a stack. */
function listen(server: Server, port: number, host: string | undefined, variable: string): Promise<void> {
  return new Promise((resolve, reject) =>
    server
      .once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new ConfigError(variable, `port ${port} is already in use; stop what holds it or choose another ${variable}`) : error),
      )
      .listen(port, host, () => resolve()),
  );
}

/**
 * SIGTERM: stop accepting connections, let requests in flight finish (up to SHUTDOWN_TIMEOUT), then
 * close the pools. Idle keep-alive connections are closed at once so they do not hold the exit.
 */
function closeGracefully(servers: Server[], timeoutMs: number): Promise<void> {
  const closed = Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
  servers.forEach((server) => server.closeIdleConnections());
  const deadline = new Promise<void>((resolve) =>
    setTimeout(() => {
      servers.forEach((server) => server.closeAllConnections());
      resolve();
    }, timeoutMs).unref(),
  );
  return Promise.race([closed.then(() => undefined), deadline]);
}

/** How often an instance looks for listening copies to make besides those its own uploads start. */
const LISTENING_COPY_INTERVAL_MS = 60_000;

/**
 * The longest a request may take to arrive whole: a provider's 1 GB upload needs about 2.3 Mbit/s
 * to arrive in an hour (2 GB, 4.6 Mbit/s). Headers must still come within Node's headersTimeout, a
 * provider holds at most half the upload slots, and claimants' form bodies are small, so an hour
 * costs a slow client a socket, not the instance. An Idempotency-Key's claim is renewed while it runs.
 */
const REQUEST_TIMEOUT_MS = 60 * 60_000;

async function main() {
  // The database, the objects, the outbox and the development secrets are claimants' data: readable by this user only.
  process.umask(0o077);
  const config = loadConfig();
  const runtime = await openRuntime(config, { announce: config.production ? undefined : (line) => console.log(line) });
  const { logger } = runtime.deps;
  const services = portalServices(runtime.deps);
  // Stated, not left to Node's defaults (MULTIPART_ABANDONED_AFTER outlasts it).
  const portal = createServer({ requestTimeout: REQUEST_TIMEOUT_MS }, createApp(runtime.deps, services));
  await listen(portal, config.port, undefined, 'PORT');
  const servers = [portal];
  if (config.metricsPort !== 0) {
    const metrics = createServer(createMetricsApp(runtime.deps.metrics));
    await listen(metrics, config.metricsPort, config.metricsHost, 'METRICS_PORT');
    servers.push(metrics);
  }
  installCrashPolicy({ logger, servers });
  const port = (portal.address() as AddressInfo).port;
  logger.info({ port, metricsPort: config.metricsPort || undefined, metricsHost: config.metricsPort ? config.metricsHost : undefined }, 'portal listening');
  console.log(`Portal listening on ${config.baseUrl.origin} (port ${port})`);

  services.dispatcher.start(config.sms.dispatchIntervalMs);
  // Picks up recordings registered by the CLI or another instance, and copies left by one that stopped.
  services.listeningCopies.start(LISTENING_COPY_INTERVAL_MS);
  startMultipartSweep(runtime.deps);
  // Every instance tries; the lease in the database lets one sweep at a time.
  const sweeper = setInterval(() => {
    retentionSweep(runtime.deps, { dryRun: false, actor: 'scheduled-sweep' }).catch((error: Error) =>
      logger.error({ err: dependencyFailure(error) }, 'retention sweep failed'),
    );
  }, config.retentionSweepIntervalMs);
  sweeper.unref();

  if (!config.production) {
    const demo = await seedDemo(runtime.deps.recordings, services);
    const lines = demo.created
      ? ['Demo recording created.', `  Open:  ${demo.url}`, `  National Insurance number: ${DEMO.nino}`]
      : [
          `Demo recording ${DEMO.assessmentRef} is already there; its links are in ${config.sms.outboxFile}.`,
          `  For a fresh link: npm run portal -- links send --recording ${demo.recordingId}`,
          `  National Insurance number: ${DEMO.nino}`,
        ];
    console.log(lines.join('\n'));
  }

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    runtime.deps.lifecycle.drain();
    clearInterval(sweeper);
    await closeGracefully(servers, config.shutdownTimeoutMs);
    await services.dispatcher.stop();
    await services.listeningCopies.stop();
    await runtime.close();
    logger.info('stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((error) => {
  console.error(error instanceof ConfigError ? `Configuration error: ${error.message}` : error);
  process.exit(1);
});
