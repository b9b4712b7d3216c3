import './threadPool';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { installCrashPolicy } from './crashPolicy';
import { DEMO, seedDemo } from './demo';
import { createMetricsApp } from './observability/metricsApp';
import { openPortal } from './portal';

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
  const portal = await openPortal(config, { announce: config.production ? undefined : (line) => console.log(line) });
  const { logger } = portal.deps;
  // Stated, not left to Node's defaults (MULTIPART_ABANDONED_AFTER outlasts it).
  const server = createServer({ requestTimeout: REQUEST_TIMEOUT_MS }, createApp(portal));
  await listen(server, config.port, undefined, 'PORT');
  const servers = [server];
  if (config.metricsPort !== 0) {
    const metrics = createServer(createMetricsApp(portal.deps.metrics));
    await listen(metrics, config.metricsPort, config.metricsHost, 'METRICS_PORT');
    servers.push(metrics);
  }
  installCrashPolicy({ logger, servers });
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, metricsPort: config.metricsPort || undefined, metricsHost: config.metricsPort ? config.metricsHost : undefined }, 'portal listening');
  console.log(`Portal listening on ${config.baseUrl.origin} (port ${port})`);

  portal.startJobs();

  if (!config.production) {
    const demo = await seedDemo(portal.deps.recordings, portal.services);
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
    portal.deps.lifecycle.drain();
    await closeGracefully(servers, config.shutdownTimeoutMs);
    // Stops the jobs (waiting for runs under way), then the pools.
    await portal.close();
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
