import pino, { type Logger } from 'pino';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import type { PortalDeps } from './deps';
import { startEmbeddedS3 } from './objects/embeddedS3';
import { s3Objects } from './objects/s3Objects';
import { outboxSender } from './sms/outboxSender';
import { openSqliteDatabase } from './store/sqliteDatabase';
import { RecordingStore } from './store/recordingStore';

export interface Runtime {
  deps: PortalDeps;
  close(): Promise<void>;
}

export interface RuntimeOptions {
  clock?: Clock;
  logger?: Logger;
  /** Where the outbox transport announces each message; the CLI keeps stdout for its JSON. */
  announce?: (line: string) => void;
  /** Sees every SQL statement: for query metrics and for tests that prove a request read nothing. */
  onQuery?: (sql: string) => void;
}

export const portalLogger = (): Logger => pino({ level: process.env.LOG_LEVEL ?? 'info' });

/**
 * Opens the real components the configuration names: the embedded database and S3-compatible
 * server under DATA_DIR by default, or the production endpoints when their variables are set.
 */
export async function openRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const logger = options.logger ?? portalLogger();
  const store = new RecordingStore(await openSqliteDatabase(config.databaseFile, options.onQuery));
  const embedded = config.s3.endpoint ? undefined : await startEmbeddedS3(config.dataDir, config.s3.bucket, config.s3.embeddedPort).catch(async (error) => {
    await store.close();
    throw error;
  });
  const objects = s3Objects({ ...config.s3, endpoint: config.s3.endpoint ?? embedded!.endpoint });
  const sms = outboxSender(config.sms.outboxFile, options.announce ?? ((line) => logger.info(line)));
  return {
    deps: { config, clock: options.clock ?? systemClock, store, objects, sms, logger },
    async close() {
      objects.close();
      await embedded?.close();
      await store.close();
    },
  };
}
