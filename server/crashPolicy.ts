import type { Server } from 'node:http';
import type { Logger } from 'pino';

/** How long the last log lines get to reach stdout before the process exits regardless. */
const FLUSH_GRACE_MS = 1000;

export interface CrashPolicyOptions {
  logger: Logger;
  /** The listening servers: they stop taking connections at once. */
  servers: Server[];
  exit?: (code: number) => void;
}

/**
 * A failure inside one request is that request's (a 4xx, or a 503/500 page); it never reaches here.
 * If something ever does (an 'error' event nobody listens to, a rejected promise nobody awaits), this
 * process's state is no longer known to be sound, so it does not carry on: it logs the error as fatal,
 * stops accepting connections, and exits non-zero so its supervisor (Kubernetes, compose, systemd)
 * starts a fresh one. Requests in flight on it fail; what they leave behind (an Idempotency-Key's
 * claim, an incomplete multipart upload) is reclaimed by its lease or by the sweep.
 */
export function installCrashPolicy({ logger, servers, exit = (code) => process.exit(code) }: CrashPolicyOptions): void {
  let crashing = false;
  const crash = (kind: 'uncaughtException' | 'unhandledRejection') => (error: unknown) => {
    if (crashing) return;
    crashing = true;
    process.exitCode = 1;
    logger.fatal({ err: error, kind }, 'uncaught failure: this instance stops for its supervisor to restart it');
    for (const server of servers) {
      server.close();
      server.closeIdleConnections();
    }
    const leave = () => exit(1);
    setTimeout(leave, FLUSH_GRACE_MS).unref();
    logger.flush(() => leave());
  };
  process.on('uncaughtException', crash('uncaughtException'));
  process.on('unhandledRejection', crash('unhandledRejection'));
}
