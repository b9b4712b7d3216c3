import { randomBytes } from 'node:crypto';
import { absoluteUrl, boolean, ConfigError, duration, integer, read, type Env } from './read';

function serverSideEncryption(env: Env): 'AES256' | 'aws:kms' | undefined {
  const value = read(env, 'S3_SERVER_SIDE_ENCRYPTION') ?? 'AES256';
  if (value === 'none') return undefined;
  if (value !== 'AES256' && value !== 'aws:kms') throw new ConfigError('S3_SERVER_SIDE_ENCRYPTION', `must be AES256, aws:kms or none, got "${value}"`);
  return value;
}

/** A claimant waits on the download button for this check; past a minute "try again" serves them better. */
function headTimeout(env: Env): number {
  const ms = duration(env, 'S3_HEAD_TIMEOUT', '3s');
  if (ms > 60_000) throw new ConfigError('S3_HEAD_TIMEOUT', 'must be at most 60s: the claimant waits on the download button for it');
  return ms;
}

/** S3_ENDPOINT, or undefined for the embedded server. */
function endpoint(env: Env, production: boolean): string | undefined {
  const raw = read(env, 'S3_ENDPOINT');
  // The embedded server keeps objects in one process's DATA_DIR: production says so explicitly or names a real S3.
  if (production && raw === undefined) {
    throw new ConfigError('S3_ENDPOINT', 'is required in production (the S3 URL; "embedded" runs the single-machine development server knowingly)');
  }
  if (raw === undefined || raw === 'embedded') return undefined;
  absoluteUrl('S3_ENDPOINT', raw);
  return raw;
}

export interface EmbeddedS3Credentials {
  accessKeyId: string;
  secretAccessKey: string;
}

/** s3rver's published default key pair: anyone can sign with it, so nothing here accepts or sends it. */
export const PUBLIC_DEFAULT_KEY = 'S3RVER';

/** A key pair for the embedded server, random like the other development secrets. */
export function generateEmbeddedS3Credentials(): EmbeddedS3Credentials {
  return { accessKeyId: `EMB${randomBytes(10).toString('hex').toUpperCase()}`, secretAccessKey: randomBytes(30).toString('base64') };
}

/**
 * S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY. A real S3 needs them; so does the embedded server in
 * production (they are the only key it accepts). Outside production the embedded server's pair comes
 * from DATA_DIR/dev-secrets.json when unset (undefined here).
 */
function credentials(env: Env, production: boolean, embedded: boolean): EmbeddedS3Credentials | undefined {
  const accessKeyId = read(env, 'S3_ACCESS_KEY_ID');
  const secretAccessKey = read(env, 'S3_SECRET_ACCESS_KEY');
  if (accessKeyId === PUBLIC_DEFAULT_KEY && secretAccessKey === PUBLIC_DEFAULT_KEY) {
    throw new ConfigError('S3_SECRET_ACCESS_KEY', `is s3rver's published default pair (${PUBLIC_DEFAULT_KEY}/${PUBLIC_DEFAULT_KEY}), which anyone can sign with; set a key pair of your own`);
  }
  if (accessKeyId && secretAccessKey) return { accessKeyId, secretAccessKey };
  if (embedded && !production && !accessKeyId && !secretAccessKey) return undefined;
  const missing = accessKeyId ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID';
  throw new ConfigError(missing, embedded ? 'is required when S3_ENDPOINT is "embedded" in production (the only key the embedded server accepts)' : 'is required when S3_ENDPOINT is set');
}

function bucket(env: Env): string {
  const name = read(env, 'S3_BUCKET') ?? 'assessment-recordings';
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) throw new ConfigError('S3_BUCKET', `is not a valid bucket name: "${name}"`);
  return name;
}

/** The object store: a real S3 or the embedded S3-compatible server. */
export function s3Settings(env: Env, production: boolean) {
  const url = endpoint(env, production);
  return {
    /** Undefined means: start the embedded S3-compatible server under DATA_DIR (S3_ENDPOINT unset, or `embedded`). */
    endpoint: url,
    /** Undefined only for the embedded server outside production, whose pair loadConfig takes from dev-secrets.json. */
    credentials: credentials(env, production, url === undefined),
    embeddedPort: integer(env, 'EMBEDDED_S3_PORT', 4569, 0, 65535),
    bucket: bucket(env),
    region: read(env, 'S3_REGION') ?? 'eu-west-2',
    forcePathStyle: boolean(env, 'S3_FORCE_PATH_STYLE', true),
    versioned: boolean(env, 'S3_VERSIONED_BUCKET', false),
    serverSideEncryption: serverSideEncryption(env),
    /** S3_TIMEOUT: an attempt to upload or delete that hears nothing from S3 for this long fails. */
    stalledAfterMs: duration(env, 'S3_TIMEOUT', '20s'),
    /** S3_HEAD_TIMEOUT: a download button's check that the file is there fails (503, nothing spent) past this. */
    headTimeoutMs: headTimeout(env),
  };
}
