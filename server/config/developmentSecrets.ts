import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateSecrets, SECRET_VARIABLES, type SecretValues } from './secrets';

/**
 * Outside production a fresh machine has no secrets yet; generate them once and keep them beside the
 * data they protect, so `npm start` works with no set-up and restarts can still read old records.
 * The one file configuration writes, and only when loadConfig asks for it after every other setting has passed.
 */
export function developmentSecrets(dataDir: string): SecretValues {
  const file = path.join(dataDir, 'dev-secrets.json');
  const existing: Partial<Record<string, string>> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  if (SECRET_VARIABLES.every((name) => existing[name] !== undefined)) return existing as SecretValues;
  // Secrets added by a newer version join the file; the ones already there stay, so old records still read.
  const secrets = { ...generateSecrets(), ...existing };
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
