import { databaseSettings } from './database';
import { developmentSecrets } from './developmentSecrets';
import { limitSettings } from './limits';
import type { Env } from './read';
import { resilienceSettings } from './resilience';
import { s3Settings } from './s3';
import { missingSecret, secretSettings } from './secrets';
import { serverSettings } from './server';
import { checkSegmentBudget, smsSettings } from './sms';

export { ConfigError } from './read';
export { generateSecrets, type ManifestKey } from './secrets';
export type { NotifyConfig, SmsConfig, TwilioConfig } from './sms';

/** Every setting but the secrets, each concern parsed by its own module; reads the environment only. */
function parseSettings(env: Env) {
  const server = serverSettings(env);
  return {
    ...server,
    ...databaseSettings(env, server.dataDir),
    sms: smsSettings(env, server.dataDir),
    s3: s3Settings(env, server.production),
    ...limitSettings(env),
    ...resilienceSettings(env),
  };
}

/**
 * The portal's configuration, for every way it starts (npm start, the operator CLI, the test portal).
 * Parsing writes nothing; the one write is the explicit step below: outside production, secrets the
 * environment leaves unset come from DATA_DIR/dev-secrets.json, created once, and only after every
 * other setting has passed.
 */
export function loadConfig(env: Env = process.env) {
  const { s3: { credentials, ...s3 }, ...settings } = parseSettings(env);
  const needsStored = !settings.production && (missingSecret(env) !== undefined || credentials === undefined);
  const stored = needsStored ? developmentSecrets(settings.dataDir) : undefined;
  const secrets = secretSettings(env, stored);
  checkSegmentBudget(settings.baseUrl, secrets.linkKeys.current.id, settings.sms.segmentBudget);
  // Without its own pair (production always has one), the embedded server accepts the one kept in dev-secrets.json.
  const keys = credentials ?? { accessKeyId: stored!.S3_ACCESS_KEY_ID, secretAccessKey: stored!.S3_SECRET_ACCESS_KEY };
  return { ...settings, s3: { ...s3, ...keys }, secrets };
}

export type Config = ReturnType<typeof loadConfig>;
