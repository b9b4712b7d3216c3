import { absoluteUrl, boolean, ConfigError, duration, integer, read, type Env } from './read';

function serverSideEncryption(env: Env): 'AES256' | 'aws:kms' | undefined {
  const value = read(env, 'S3_SERVER_SIDE_ENCRYPTION') ?? 'AES256';
  if (value === 'none') return undefined;
  if (value !== 'AES256' && value !== 'aws:kms') throw new ConfigError('S3_SERVER_SIDE_ENCRYPTION', `must be AES256, aws:kms or none, got "${value}"`);
  return value;
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
  if (!read(env, 'S3_ACCESS_KEY_ID') || !read(env, 'S3_SECRET_ACCESS_KEY')) {
    throw new ConfigError(read(env, 'S3_ACCESS_KEY_ID') ? 'S3_SECRET_ACCESS_KEY' : 'S3_ACCESS_KEY_ID', 'is required when S3_ENDPOINT is set');
  }
  return raw;
}

function bucket(env: Env): string {
  const name = read(env, 'S3_BUCKET') ?? 'assessment-recordings';
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name)) throw new ConfigError('S3_BUCKET', `is not a valid bucket name: "${name}"`);
  return name;
}

/** The object store: a real S3 or the embedded S3-compatible server. */
export function s3Settings(env: Env, production: boolean) {
  return {
    /** Undefined means: start the embedded S3-compatible server under DATA_DIR (S3_ENDPOINT unset, or `embedded`). */
    endpoint: endpoint(env, production),
    embeddedPort: integer(env, 'EMBEDDED_S3_PORT', 4569, 0, 65535),
    bucket: bucket(env),
    region: read(env, 'S3_REGION') ?? 'eu-west-2',
    accessKeyId: read(env, 'S3_ACCESS_KEY_ID') ?? 'S3RVER',
    secretAccessKey: read(env, 'S3_SECRET_ACCESS_KEY') ?? 'S3RVER',
    forcePathStyle: boolean(env, 'S3_FORCE_PATH_STYLE', true),
    versioned: boolean(env, 'S3_VERSIONED_BUCKET', false),
    serverSideEncryption: serverSideEncryption(env),
    /** S3_TIMEOUT: an attempt to upload or delete that hears nothing from S3 for this long fails. */
    stalledAfterMs: duration(env, 'S3_TIMEOUT', '20s'),
  };
}
