import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { KEY_ID_PATTERN, keyRing, type KeyRing } from '../policy/keyRing';
import { ConfigError, read, type Env } from './read';

export const SECRET_VARIABLES = ['LINK_SIGNING_KEYS', 'SESSION_SECRET', 'NINO_PEPPER', 'NINO_INDEX_KEY', 'FIELD_ENCRYPTION_KEYS', 'MANIFEST_SIGNING_KEYS'] as const;

export type SecretValues = Record<(typeof SECRET_VARIABLES)[number], string>;

/** The first secret the environment does not set, if any. */
export const missingSecret = (env: Env) => SECRET_VARIABLES.find((name) => !read(env, name));

/** New values for every secret, in the forms .env.example describes (key ids `k1` and `m1`). */
export function generateSecrets(): SecretValues {
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

function jsonArray(raw: string): unknown[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError('MANIFEST_SIGNING_KEYS', 'must be a JSON array of Ed25519 private JWKs');
  }
  if (!Array.isArray(parsed) || parsed.length === 0) throw new ConfigError('MANIFEST_SIGNING_KEYS', 'must be a non-empty JSON array of Ed25519 private JWKs');
  return parsed;
}

/**
 * MANIFEST_SIGNING_KEYS: a JSON array of Ed25519 private keys as JWKs, each with a `kid`. The first
 * signs new manifests; every key's public half stays published, so manifests signed before a
 * rotation still verify.
 */
function manifestKeys(raw: string) {
  const keys = jsonArray(raw).map((entry) => {
    const jwk = entry as Record<string, unknown> | null;
    if (jwk?.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string' || typeof jwk.x !== 'string' || typeof jwk.kid !== 'string' || !KEY_ID_PATTERN.test(jwk.kid)) {
      throw new ConfigError('MANIFEST_SIGNING_KEYS', 'each key must be an Ed25519 private JWK (kty OKP, crv Ed25519, d, x) with a kid of 1-8 lower-case letters or digits');
    }
    /** Ed25519 private (d) and public (x) key material, base64url, as in a JWK. */
    return { kid: jwk.kid, d: jwk.d, x: jwk.x };
  });
  if (new Set(keys.map((k) => k.kid)).size !== keys.length) throw new ConfigError('MANIFEST_SIGNING_KEYS', 'key ids must be unique');
  return keys;
}

export type ManifestKey = ReturnType<typeof manifestKeys>[number];

/**
 * The key rings and secrets, from the environment; `stored` fills in what it leaves unset (the
 * development secrets file). Without them, the first unset secret is named.
 */
export function secretSettings(env: Env, stored?: SecretValues) {
  const missing = stored ? undefined : missingSecret(env);
  if (missing) throw new ConfigError(missing, 'is required in production (see .env.example)');
  const value = (name: keyof SecretValues) => read(env, name) ?? stored![name];
  return {
    linkKeys: keyList('LINK_SIGNING_KEYS', value('LINK_SIGNING_KEYS')),
    sessionKey: secret('SESSION_SECRET', value('SESSION_SECRET')),
    ninoPepper: secret('NINO_PEPPER', value('NINO_PEPPER')),
    ninoIndexKey: secret('NINO_INDEX_KEY', value('NINO_INDEX_KEY')),
    fieldKeys: keyList('FIELD_ENCRYPTION_KEYS', value('FIELD_ENCRYPTION_KEYS'), 32),
    /** Signs manifests; the first key is current. */
    manifestKeys: manifestKeys(value('MANIFEST_SIGNING_KEYS')),
  };
}
