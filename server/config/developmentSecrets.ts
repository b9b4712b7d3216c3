import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateEmbeddedS3Credentials, type EmbeddedS3Credentials } from './s3';
import { generateSecrets, SECRET_VARIABLES, type SecretValues } from './secrets';

/** What dev-secrets.json holds: the secrets, and the one key pair the embedded S3 server accepts. */
export type DevelopmentSecrets = SecretValues & { S3_ACCESS_KEY_ID: string; S3_SECRET_ACCESS_KEY: string };

const STORED = [...SECRET_VARIABLES, 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const;

function generated(): DevelopmentSecrets {
  const s3: EmbeddedS3Credentials = generateEmbeddedS3Credentials();
  return { ...generateSecrets(), S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey };
}

/**
 * Outside production a fresh machine has no secrets yet; generate them once and keep them beside the
 * data they protect, so `npm start` works with no set-up and restarts can still read old records.
 * The embedded S3 server's key pair is kept here too, so the operator CLI signs as the running portal does.
 * The one file configuration writes, and only when loadConfig asks for it after every other setting has passed.
 */
export function developmentSecrets(dataDir: string): DevelopmentSecrets {
  const file = path.join(dataDir, 'dev-secrets.json');
  const existing: Partial<Record<string, string>> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  if (STORED.every((name) => existing[name] !== undefined)) return existing as DevelopmentSecrets;
  // Secrets added by a newer version join the file; the ones already there stay, so old records still read.
  const secrets = { ...generated(), ...existing };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  chmodSync(file, 0o600); // a file made by an older version keeps its mode on rewrite; these are keys
  return secrets;
}
