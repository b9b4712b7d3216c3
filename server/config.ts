import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { parseDuration } from './policy/duration';
import { KEY_ID_PATTERN, keyRing, type KeyRing } from './policy/keyRing';
import type { AccessRules } from './policy/accessWindow';
import { worstCaseSegments } from './policy/smsMessage';

export interface Config {
  production: boolean;
  port: number;
  baseUrl: URL;
  dataDir: string;
  /** Express `trust proxy`: true/false, hops (a number) or addresses; false when clients connect directly. */
  trustProxy: boolean | number | string;
  database: {
    /** PostgreSQL connection string; undefined means the embedded SQLite file. */
    url: string | undefined;
    sqliteFile: string;
    poolSize: number;
    statementTimeoutMs: number;
  };
  /** Redis for limits shared between instances; undefined keeps them in process memory. */
  redisUrl: string | undefined;
  /** Prepended to every Redis key, so several deployments (or test runs) can share one Redis. */
  redisKeyPrefix: string;
  /** Prometheus metrics are served on this port only (never on the public one); 0 turns them off. */
  metricsPort: number;
  /** The interface the metrics server listens on: loopback unless a scraper outside the host needs it. */
  metricsHost: string;
  /** How long SIGTERM waits for requests in flight before closing connections. */
  shutdownTimeoutMs: number;
  s3: {
    /** Undefined means: start the embedded S3-compatible server under DATA_DIR (S3_ENDPOINT unset, or `embedded`). */
    endpoint: string | undefined;
    embeddedPort: number;
    bucket: string;
    region: string;
    accessKeyId: string;
    secretAccessKey: string;
    forcePathStyle: boolean;
    versioned: boolean;
    serverSideEncryption: 'AES256' | 'aws:kms' | undefined;
    /** S3_TIMEOUT: an attempt to upload or delete that hears nothing from S3 for this long fails. */
    stalledAfterMs: number;
  };
  sms: SmsConfig;
  access: AccessRules;
  presignTtlSeconds: number;
  /** How long after a download started an interrupted transfer may resume (a Range with If-Range). */
  downloadResumeWindowMs: number;
  claimantSessionTtlMs: number;
  retentionMonths: number;
  /** The largest audio file the provider API accepts; larger uploads are refused before anything is stored. */
  apiMaxUploadBytes: number;
  /** The largest transcript (WebVTT) accepted from a provider or a supervisor. */
  transcriptMaxBytes: number;
  /** How often each instance tries to run the retention sweep (one instance at a time runs it). */
  retentionSweepIntervalMs: number;
  rateLimits: { ninoPerIpPer15Min: number; pagesPerIpPerMinute: number };
  /** Printed on every claimant page when set; otherwise pages point to the number on the claimant's letter. */
  supportPhone: string | undefined;
  /** FFMPEG_PATH: the ffmpeg that makes listening copies; undefined looks for `ffmpeg` on PATH. */
  ffmpegPath: string | undefined;
  secrets: {
    linkKeys: KeyRing;
    sessionKey: Buffer;
    ninoPepper: Buffer;
    ninoIndexKey: Buffer;
    fieldKeys: KeyRing;
    /** Signs manifests; the first key is current. */
    manifestKeys: ManifestKey[];
  };
}

export interface ManifestKey {
  kid: string;
  /** Ed25519 private and public key material, base64url, as in a JWK. */
  d: string;
  x: string;
}

export interface TwilioConfig {
  accountSid: string;
  authToken: string;
  /** A Messaging Service SID (MG…) or a sender (E.164 number or alphanumeric sender id). */
  sender: { messagingServiceSid: string } | { from: string };
  /** Only for a local stand-in of Twilio's API; unset in production. */
  apiBaseUrl: string | undefined;
}

export interface NotifyConfig {
  apiKey: string;
  templateIds: { en: string; cy: string };
  baseUrl: string;
  /** The bearer token GOV.UK Notify sends with delivery receipts. */
  callbackToken: string;
}

export interface SmsConfig {
  provider: 'outbox' | 'twilio' | 'notify';
  outboxFile: string;
  twilio: TwilioConfig | undefined;
  notify: NotifyConfig | undefined;
  /** The most segments a link message may take, per language; start-up checks the worst case. */
  segmentBudget: { en: number; cy: number };
  dispatchIntervalMs: number;
  maxAttempts: number;
  /** Sends per second at most (the provider's rate limit); 0 sends as fast as the provider answers. */
  maxPerSecond: number;
}

/** One line naming the variable, so an operator knows exactly what to fix. */
export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

const SECRET_VARIABLES = ['LINK_SIGNING_KEYS', 'SESSION_SECRET', 'NINO_PEPPER', 'NINO_INDEX_KEY', 'FIELD_ENCRYPTION_KEYS', 'MANIFEST_SIGNING_KEYS'] as const;

function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

/** `true` or `false` in any case; anything else is a mistake worth stopping for, not a silent false. */
function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (/^(true|false)$/i.test(raw)) return raw.toLowerCase() === 'true';
  throw new ConfigError(name, `must be true or false, got "${raw}"`);
}

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An address, a subnet (address/prefix or address/netmask) or one of proxy-addr's names. */
function isProxyAddress(entry: string): boolean {
  if (PROXY_NAMES.has(entry)) return true;
  const [address, range, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (range === undefined) return true;
  if (/^\d+$/.test(range)) return Number(range) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(range) === 4;
}

/** TRUST_PROXY in the forms Express's `trust proxy` accepts, checked here so a typo is one line, not a stack. */
function trustProxy(env: Env): boolean | number | string {
  const raw = read(env, 'TRUST_PROXY');
  if (raw === undefined) return false;
  if (/^(true|false)$/i.test(raw)) return raw.toLowerCase() === 'true';
  if (/^\d+$/.test(raw)) return Number(raw);
  if (raw.split(',').every((entry) => isProxyAddress(entry.trim()))) return raw;
  throw new ConfigError('TRUST_PROXY', `must be true, false, a number of proxy hops, or comma-separated addresses, subnets or loopback/linklocal/uniquelocal, got "${raw}"`);
}

function metricsHost(env: Env): string {
  const host = read(env, 'METRICS_HOST') ?? '127.0.0.1';
  if (isIP(host) === 0) throw new ConfigError('METRICS_HOST', `must be an IP address (127.0.0.1, or 0.0.0.0 for a scraper outside the host), got "${host}"`);
  return host;
}

function duration(env: Env, name: string, fallback: string): number {
  const raw = read(env, name) ?? fallback;
  const ms = parseDuration(raw);
  if (ms === undefined) throw new ConfigError(name, `must be a duration such as 60s, 15m, 24h or 7d, got "${raw}"`);
  return ms;
}

/** At least as long as a download may take to start, at most the re-download window's default. */
function downloadResumeWindow(env: Env, presignTtlMs: number): number {
  const ms = duration(env, 'DOWNLOAD_RESUME_WINDOW', '30m');
  if (ms < presignTtlMs || ms > 86_400_000) throw new ConfigError('DOWNLOAD_RESUME_WINDOW', 'must be from PRESIGN_TTL to 24h');
  return ms;
}

function secret(name: string, raw: string): Buffer {
  const bytes = Buffer.from(raw, 'base64');
  if (bytes.length < 32 || bytes.toString('base64').replace(/=+$/, '') !== raw.replace(/=+$/, '')) {
    throw new ConfigError(name, 'must be at least 32 bytes, base64 encoded (openssl rand -base64 32)');
  }
  return bytes;
}

/** "k2:BASE64,k1:BASE64": the first key signs or encrypts, every listed key is still accepted. */
function keyList(name: string, raw: string, exactBytes?: number): KeyRing {
  const entries = raw.split(',').map((part) => {
    const [id, value, extra] = part.trim().split(':');
    if (!id || !value || extra !== undefined || !KEY_ID_PATTERN.test(id)) {
      throw new ConfigError(name, 'must be a comma-separated list of id:base64key (ids of 1-8 lower-case letters or digits)');
    }
    const bytes = secret(name, value);
    if (exactBytes !== undefined && bytes.length !== exactBytes) {
      throw new ConfigError(name, `key "${id}" must be exactly ${exactBytes} bytes`);
    }
    return { id, secret: bytes };
  });
  if (new Set(entries.map((e) => e.id)).size !== entries.length) throw new ConfigError(name, 'key ids must be unique');
  return keyRing(entries);
}

/** New values for every secret, in the forms .env.example describes (key ids `k1` and `m1`). */
export function generateSecrets(): Record<(typeof SECRET_VARIABLES)[number], string> {
  const key = () => randomBytes(32).toString('base64');
  return {
    LINK_SIGNING_KEYS: `k1:${key()}`,
    SESSION_SECRET: key(),
    NINO_PEPPER: key(),
    NINO_INDEX_KEY: key(),
    FIELD_ENCRYPTION_KEYS: `k1:${key()}`,
    MANIFEST_SIGNING_KEYS: JSON.stringify([{ ...generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }), kid: 'm1' }]),
  };
}

/**
 * Outside production a fresh machine has no secrets yet; generate them once and keep them beside the
 * data they protect, so `npm start` works with no set-up and restarts can still read old records.
 */
function developmentSecrets(dataDir: string): Record<(typeof SECRET_VARIABLES)[number], string> {
  const file = path.join(dataDir, 'dev-secrets.json');
  const existing: Partial<Record<string, string>> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  if (SECRET_VARIABLES.every((name) => existing[name] !== undefined)) return existing as Record<(typeof SECRET_VARIABLES)[number], string>;
  // Secrets added by a newer version join the file; the ones already there stay, so old records still read.
  const secrets = { ...generateSecrets(), ...existing };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}

/**
 * MANIFEST_SIGNING_KEYS: a JSON array of Ed25519 private keys as JWKs, each with a `kid`. The first
 * signs new manifests; every key's public half stays published, so manifests signed before a
 * rotation still verify.
 */
function manifestKeys(raw: string): ManifestKey[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError('MANIFEST_SIGNING_KEYS', 'must be a JSON array of Ed25519 private JWKs');
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw new ConfigError('MANIFEST_SIGNING_KEYS', 'must be a non-empty JSON array of Ed25519 private JWKs');
  const keys = parsed.map((jwk: Record<string, unknown>) => {
    if (jwk?.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string' || typeof jwk.x !== 'string' || typeof jwk.kid !== 'string' || !KEY_ID_PATTERN.test(jwk.kid)) {
      throw new ConfigError('MANIFEST_SIGNING_KEYS', 'each key must be an Ed25519 private JWK (kty OKP, crv Ed25519, d, x) with a kid of 1-8 lower-case letters or digits');
    }
    return { kid: jwk.kid, d: jwk.d, x: jwk.x };
  });
  if (new Set(keys.map((k) => k.kid)).size !== keys.length) throw new ConfigError('MANIFEST_SIGNING_KEYS', 'key ids must be unique');
  return keys;
}

function required(env: Env, name: string, pattern: RegExp, shape: string, provider: string): string {
  const value = read(env, name);
  if (value === undefined) throw new ConfigError(name, `is required when SMS_PROVIDER=${provider}`);
  if (!pattern.test(value)) throw new ConfigError(name, `must be ${shape}`);
  return value;
}

function optionalUrl(env: Env, name: string): string | undefined {
  const value = read(env, name);
  if (value !== undefined && !/^https?:\/\/[^\s]+$/.test(value)) throw new ConfigError(name, `must be an http(s) URL, got "${value}"`);
  return value?.replace(/\/+$/, '');
}

function serverSideEncryption(env: Env): 'AES256' | 'aws:kms' | undefined {
  const value = read(env, 'S3_SERVER_SIDE_ENCRYPTION') ?? 'AES256';
  if (value === 'none') return undefined;
  if (value !== 'AES256' && value !== 'aws:kms') throw new ConfigError('S3_SERVER_SIDE_ENCRYPTION', `must be AES256, aws:kms or none, got "${value}"`);
  return value;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function smsConfig(env: Env, dataDir: string): SmsConfig {
  const provider = read(env, 'SMS_PROVIDER') ?? 'outbox';
  if (provider !== 'outbox' && provider !== 'twilio' && provider !== 'notify') {
    throw new ConfigError('SMS_PROVIDER', `must be outbox, twilio or notify, got "${provider}"`);
  }
  let twilio: TwilioConfig | undefined;
  if (provider === 'twilio') {
    const messagingServiceSid = read(env, 'TWILIO_MESSAGING_SERVICE_SID');
    const from = read(env, 'TWILIO_FROM');
    if (!messagingServiceSid && !from) throw new ConfigError('TWILIO_MESSAGING_SERVICE_SID', 'or TWILIO_FROM is required when SMS_PROVIDER=twilio');
    if (messagingServiceSid && !/^MG[0-9a-f]{32}$/.test(messagingServiceSid)) throw new ConfigError('TWILIO_MESSAGING_SERVICE_SID', 'must be MG followed by 32 hex digits');
    if (!messagingServiceSid && from && !/^(\+[1-9]\d{6,14}|[A-Za-z][A-Za-z0-9 ]{0,10})$/.test(from)) {
      throw new ConfigError('TWILIO_FROM', 'must be an E.164 number or an alphanumeric sender id of at most 11 characters');
    }
    twilio = {
      accountSid: required(env, 'TWILIO_ACCOUNT_SID', /^AC[0-9a-f]{32}$/, 'AC followed by 32 hex digits', provider),
      authToken: required(env, 'TWILIO_AUTH_TOKEN', /^[0-9a-f]{32}$/, '32 hex digits', provider),
      sender: messagingServiceSid ? { messagingServiceSid } : { from: from! },
      apiBaseUrl: optionalUrl(env, 'TWILIO_API_BASE_URL'),
    };
  }
  let notify: NotifyConfig | undefined;
  if (provider === 'notify') {
    const apiKey = required(env, 'NOTIFY_API_KEY', /^.+-[0-9a-f-]{36}-[0-9a-f-]{36}$/i, 'a GOV.UK Notify API key (name-serviceid-secret)', provider);
    const en = required(env, 'NOTIFY_TEMPLATE_ID', UUID, 'a template id (UUID)', provider);
    const cy = read(env, 'NOTIFY_TEMPLATE_ID_CY') ?? en;
    if (!UUID.test(cy)) throw new ConfigError('NOTIFY_TEMPLATE_ID_CY', 'must be a template id (UUID)');
    notify = {
      apiKey,
      templateIds: { en, cy },
      baseUrl: optionalUrl(env, 'NOTIFY_BASE_URL') ?? 'https://api.notifications.service.gov.uk',
      callbackToken: required(env, 'NOTIFY_CALLBACK_TOKEN', /^[\x21-\x7e]{16,256}$/, 'at least 16 printable characters', provider),
    };
  }
  return {
    provider,
    outboxFile: path.resolve(read(env, 'SMS_OUTBOX_FILE') ?? path.join(dataDir, 'outbox.jsonl')),
    twilio,
    notify,
    segmentBudget: { en: integer(env, 'SMS_SEGMENT_BUDGET', 1, 1, 10), cy: integer(env, 'SMS_SEGMENT_BUDGET_CY', 3, 1, 10) },
    dispatchIntervalMs: duration(env, 'SMS_DISPATCH_INTERVAL', '2s'),
    maxAttempts: integer(env, 'SMS_MAX_ATTEMPTS', 8, 1, 50),
    maxPerSecond: integer(env, 'SMS_MAX_PER_SECOND', 0, 0, 10_000),
  };
}

/** A configuration whose texted links would cost more segments than budgeted must not start. */
function checkSegmentBudget(config: Config): void {
  const longestToken = `${config.secrets.linkKeys.current.id}.${'A'.repeat(32)}`;
  const worst = worstCaseSegments(new URL(`/r/${longestToken}`, config.baseUrl).toString());
  for (const [language, variable] of [['en', 'SMS_SEGMENT_BUDGET'], ['cy', 'SMS_SEGMENT_BUDGET_CY']] as const) {
    if (worst[language] > config.sms.segmentBudget[language]) {
      throw new ConfigError(
        'BASE_URL',
        `texted links would take ${worst[language]} segments in ${language === 'en' ? 'English' : 'Welsh'}, over ${variable}=${config.sms.segmentBudget[language]}; use a shorter host or raise the budget`,
      );
    }
  }
}

export function loadConfig(env: Env = process.env): Config {
  const config = buildConfig(env);
  checkSegmentBudget(config);
  return config;
}

function buildConfig(env: Env): Config {
  const nodeEnv = read(env, 'NODE_ENV') ?? 'development';
  const production = nodeEnv === 'production';
  const port = integer(env, 'PORT', 3000, 0, 65535);

  const rawBaseUrl = read(env, 'BASE_URL') ?? `http://localhost:${port}`;
  let baseUrl: URL;
  try {
    baseUrl = new URL(rawBaseUrl);
  } catch {
    throw new ConfigError('BASE_URL', `must be an absolute URL, got "${rawBaseUrl}"`);
  }
  if (!['http:', 'https:'].includes(baseUrl.protocol) || baseUrl.pathname !== '/' || baseUrl.search || baseUrl.hash) {
    throw new ConfigError('BASE_URL', 'must be an http(s) origin with no path, such as https://recordings.example.gov.uk');
  }
  if (production && baseUrl.protocol !== 'https:') throw new ConfigError('BASE_URL', 'must use https in production');

  const dataDir = path.resolve(read(env, 'DATA_DIR') ?? 'data');

  const databaseUrl = read(env, 'DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\/[^\s]+$/.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'must be a postgres:// connection string');
  }
  const redisUrl = read(env, 'REDIS_URL');
  if (redisUrl !== undefined && !/^rediss?:\/\/[^\s]+$/.test(redisUrl)) {
    throw new ConfigError('REDIS_URL', 'must be a redis:// or rediss:// URL');
  }

  const sms = smsConfig(env, dataDir);

  const s3EndpointRaw = read(env, 'S3_ENDPOINT');
  // The embedded server keeps objects in one process's DATA_DIR: production says so explicitly or names a real S3.
  if (production && s3EndpointRaw === undefined) {
    throw new ConfigError('S3_ENDPOINT', 'is required in production (the S3 URL; "embedded" runs the single-machine development server knowingly)');
  }
  const s3Endpoint = s3EndpointRaw === 'embedded' ? undefined : s3EndpointRaw;
  if (s3Endpoint !== undefined) {
    try {
      new URL(s3Endpoint);
    } catch {
      throw new ConfigError('S3_ENDPOINT', `must be an absolute URL, got "${s3Endpoint}"`);
    }
  }
  if (s3Endpoint && (!read(env, 'S3_ACCESS_KEY_ID') || !read(env, 'S3_SECRET_ACCESS_KEY'))) {
    throw new ConfigError(read(env, 'S3_ACCESS_KEY_ID') ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID', 'is required when S3_ENDPOINT is set');
  }
  const bucket = read(env, 'S3_BUCKET') ?? 'assessment-recordings';
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new ConfigError('S3_BUCKET', `is not a valid bucket name: "${bucket}"`);

  const presignTtlMs = duration(env, 'PRESIGN_TTL', '60s');
  if (presignTtlMs > 3_600_000) throw new ConfigError('PRESIGN_TTL', 'must be at most 1h: presigned URLs are bearer credentials');

  const missingSecret = SECRET_VARIABLES.find((name) => !read(env, name));
  if (production && missingSecret) throw new ConfigError(missingSecret, 'is required in production (see .env.example)');
  const devSecrets = missingSecret ? developmentSecrets(dataDir) : undefined;
  const secretValue = (name: (typeof SECRET_VARIABLES)[number]) => read(env, name) ?? devSecrets![name];

  return {
    production,
    port,
    baseUrl,
    dataDir,
    trustProxy: trustProxy(env),
    database: {
      url: databaseUrl,
      sqliteFile: path.join(dataDir, 'portal.sqlite'),
      poolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 500),
      statementTimeoutMs: duration(env, 'DATABASE_STATEMENT_TIMEOUT', '5s'),
    },
    redisUrl,
    redisKeyPrefix: read(env, 'REDIS_KEY_PREFIX') ?? 'portal:',
    metricsPort: integer(env, 'METRICS_PORT', 9464, 0, 65535),
    metricsHost: metricsHost(env),
    shutdownTimeoutMs: duration(env, 'SHUTDOWN_TIMEOUT', '25s'),
    s3: {
      endpoint: s3Endpoint,
      embeddedPort: integer(env, 'EMBEDDED_S3_PORT', 4569, 0, 65535),
      bucket,
      region: read(env, 'S3_REGION') ?? 'eu-west-2',
      accessKeyId: read(env, 'S3_ACCESS_KEY_ID') ?? 'S3RVER',
      secretAccessKey: read(env, 'S3_SECRET_ACCESS_KEY') ?? 'S3RVER',
      forcePathStyle: boolean(env, 'S3_FORCE_PATH_STYLE', true),
      versioned: boolean(env, 'S3_VERSIONED_BUCKET', false),
      serverSideEncryption: serverSideEncryption(env),
      stalledAfterMs: duration(env, 'S3_TIMEOUT', '20s'),
    },
    sms,
    access: {
      linkTtlMs: duration(env, 'LINK_TTL', '7d'),
      redownloadWindowMs: duration(env, 'REDOWNLOAD_WINDOW', '24h'),
      maxNinoAttempts: integer(env, 'MAX_NINO_ATTEMPTS', 5, 1, 20),
    },
    presignTtlSeconds: Math.round(presignTtlMs / 1000),
    downloadResumeWindowMs: downloadResumeWindow(env, presignTtlMs),
    claimantSessionTtlMs: duration(env, 'CLAIMANT_SESSION_TTL', '20m'),
    retentionMonths: integer(env, 'RETENTION_MONTHS', 24, 1, 1200),
    apiMaxUploadBytes: integer(env, 'API_MAX_UPLOAD_MB', 2048, 1, 2048) * 1024 * 1024,
    transcriptMaxBytes: integer(env, 'TRANSCRIPT_MAX_KB', 2048, 1, 20_480) * 1024,
    retentionSweepIntervalMs: duration(env, 'RETENTION_SWEEP_INTERVAL', '1h'),
    rateLimits: {
      ninoPerIpPer15Min: integer(env, 'RATE_LIMIT_NINO_PER_15_MIN', 30, 1, 100_000),
      pagesPerIpPerMinute: integer(env, 'RATE_LIMIT_PAGES_PER_MIN', 120, 1, 1_000_000),
    },
    supportPhone: read(env, 'SUPPORT_PHONE'),
    ffmpegPath: read(env, 'FFMPEG_PATH'),
    secrets: {
      linkKeys: keyList('LINK_SIGNING_KEYS', secretValue('LINK_SIGNING_KEYS')),
      sessionKey: secret('SESSION_SECRET', secretValue('SESSION_SECRET')),
      ninoPepper: secret('NINO_PEPPER', secretValue('NINO_PEPPER')),
      ninoIndexKey: secret('NINO_INDEX_KEY', secretValue('NINO_INDEX_KEY')),
      fieldKeys: keyList('FIELD_ENCRYPTION_KEYS', secretValue('FIELD_ENCRYPTION_KEYS'), 32),
      manifestKeys: manifestKeys(secretValue('MANIFEST_SIGNING_KEYS')),
    },
  };
}
