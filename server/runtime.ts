import type { Redis } from 'ioredis';
import pino, { type Logger } from 'pino';
import { systemClock, type Clock } from './clock';
import type { Config } from './config';
import { prepareInstance } from './dataDirectory';
import { instanceLifecycle } from './lifecycle';
import type { PortalDeps } from './deps';
import type { EmbeddedS3 } from './objects/embeddedS3';
import { s3Objects } from './objects/s3Objects';
import { portalMetrics, type PortalMetrics } from './observability/metrics';
import { smsSender } from './sms/configuredSender';
import { fieldCipher } from './security/fieldCipher';
import { manifestSigner } from './security/manifestSigner';
import { measuredHasher } from './security/measuredHasher';
import { ninoHasher } from './security/ninoHasher';
import { AuditChain, type AuditType } from './store/auditChain';
import { openDatabase, type OpenDatabase } from './store/database';
import { EncryptedFieldsStore } from './store/encryptedFields';
import { JobLeases } from './store/jobLeases';
import { LinkStore } from './store/linkStore';
import { NinoAttemptStore } from './store/ninoAttemptStore';
import { ProviderStore } from './store/providerStore';
import { RecordingStore } from './store/recordingStore';
import { RetentionStore } from './store/retentionStore';
import { SmsOutboxStore } from './store/smsOutboxStore';
import { TranscriptStore } from './store/transcriptStore';
import { StaffStore } from './store/staffStore';

export type PortalStores = ReturnType<typeof portalStores>;

export interface Runtime {
  deps: PortalDeps;
  /** The database handle itself, for tests to inspect rows: the portal reaches it only through deps' stores. */
  db: OpenDatabase['db'];
  close(): Promise<void>;
}

export interface RuntimeOptions {
  clock?: Clock;
  logger?: Logger;
  /** Where the outbox transport announces each message (never the log: the link is a credential). */
  announce?: (line: string) => void;
  /** Sees every SQL statement: for tests that prove a request read nothing. */
  onQuery?: (sql: string) => void;
}

/**
 * JSON logs. Request lines carry only a method, a route shape and a status (see requestLogging); the
 * redaction below is the second line of defence should anything log a request, a header or a claimant's
 * details by accident.
 */
export const LOG_REDACTIONS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-twilio-signature"]',
  'res.headers["set-cookie"]',
  'res.headers.location',
  '*.nino',
  '*.phone',
  '*.to',
  '*.token',
  '*.url',
  '*.body',
  '*.grant',
  '*.password',
];

/**
 * Lines go to stdout asynchronously: while one write is under way the next lines gather and go in the
 * following one, rather than each request waiting on a write of its own. What is still buffered is
 * written when the process exits.
 */
export const portalLogger = (level = process.env.LOG_LEVEL ?? 'info', destination: pino.DestinationStream = pino.destination({ sync: false })): Logger =>
  pino({ level, redact: { paths: LOG_REDACTIONS, censor: '[redacted]' } }, destination);

/*
 * The clients of optional components (Redis, PostgreSQL, Twilio, Notify, the embedded S3 server) are
 * loaded only when the configuration names them: together they are most of a process's memory, and an
 * instance uses one of each kind at most.
 */

/** Redis for shared limits. Commands fail after one retry while it is down instead of waiting without bound. */
export function connectRedis(url: string): Redis {
  const { Redis }: typeof import('ioredis') = require('ioredis');
  const redis = new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2000 });
  redis.on('error', () => {});
  return redis;
}

/**
 * Every store over the one database, each built once; the audited ones share the audit chain's
 * transactions. `onAuditEvent` is told of each event once committed.
 */
export function portalStores({ db }: OpenDatabase, onAuditEvent?: (type: AuditType) => void) {
  const audit = new AuditChain(db, onAuditEvent);
  return {
    audit,
    recordings: new RecordingStore(db, audit),
    links: new LinkStore(db, audit),
    ninoAttempts: new NinoAttemptStore(db, audit),
    retention: new RetentionStore(db, audit),
    leases: new JobLeases(db),
    outbox: new SmsOutboxStore(db),
    staffStore: new StaffStore(db),
    providers: new ProviderStore(db),
    encryptedFields: new EncryptedFieldsStore(db),
    transcriptStore: new TranscriptStore(db, audit),
  };
}

/** The keyed primitives, from the configuration's secrets. */
function portalSecrets({ secrets }: Config, metrics: PortalMetrics) {
  return {
    cipher: fieldCipher(secrets.fieldKeys),
    ninoHasher: measuredHasher(ninoHasher(secrets.ninoPepper, secrets.ninoIndexKey), metrics),
    manifests: manifestSigner(secrets.manifestKeys),
  };
}

/**
 * Opens the real components the configuration names: the embedded database and S3-compatible
 * server under DATA_DIR by default, or PostgreSQL, Redis and an S3 endpoint when their variables are set.
 */
export async function openRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  const logger = options.logger ?? portalLogger();
  const metrics = portalMetrics();
  const closers: Array<() => Promise<unknown> | void> = [];
  const close = async () => {
    for (const closer of closers.reverse()) await closer();
  };
  try {
    prepareInstance(config, logger);
    const database = await openDatabase(config.database, options.onQuery, (error) => logger.warn({ err: error }, 'database connection lost; the pool opens another'));
    closers.push(() => database.db.destroy());
    const stores = portalStores(database, (type) => metrics.auditEvents.inc({ type }));
    closers.push(() => stores.audit.close());

    let embedded: EmbeddedS3 | undefined;
    if (!config.s3.endpoint) {
      const { startEmbeddedS3 }: typeof import('./objects/embeddedS3') = require('./objects/embeddedS3');
      embedded = await startEmbeddedS3(config.dataDir, config.s3.bucket, config.s3.embeddedPort, config.s3);
      closers.push(() => embedded!.close());
    }
    const objects = s3Objects({ ...config.s3, endpoint: config.s3.endpoint ?? embedded!.endpoint });
    closers.push(() => objects.close());

    const redis = config.redisUrl ? connectRedis(config.redisUrl) : undefined;
    if (redis) closers.push(() => redis.quit().catch(() => redis.disconnect()));

    const sms = smsSender(config, options.announce);
    return {
      deps: { config, clock: options.clock ?? systemClock, ...stores, ...portalSecrets(config, metrics), objects, sms, logger, metrics, redis, lifecycle: instanceLifecycle() },
      db: database.db,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
