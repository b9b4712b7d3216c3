import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import express from 'express';
import { ConfigError, loadConfig } from '../../server/config';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(path.join(tmpdir(), 'portal-config-'));
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

const key = (byte: number) => Buffer.alloc(32, byte).toString('base64');
const productionSecrets = {
  LINK_SIGNING_KEYS: `k2:${key(2)},k1:${key(1)}`,
  SESSION_SECRET: key(3),
  NINO_PEPPER: key(4),
  NINO_INDEX_KEY: key(5),
  FIELD_ENCRYPTION_KEYS: `f1:${key(6)}`,
  MANIFEST_SIGNING_KEYS: JSON.stringify([{ ...generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }), kid: 'm1' }]),
};
/** The key pair production's embedded S3 server is told to accept. */
const embeddedKeys = { S3_ACCESS_KEY_ID: 'EMBEDDEDKEY1', S3_SECRET_ACCESS_KEY: key(7) };

function errorOf(env: Record<string, string>): string {
  try {
    loadConfig({ DATA_DIR: dataDir, ...env });
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('configuration was accepted');
}

test('an empty environment gives the documented defaults', () => {
  const config = loadConfig({ DATA_DIR: dataDir });
  expect(config.port).toBe(3000);
  expect(config.baseUrl.toString()).toBe('http://localhost:3000/');
  expect(config.access).toEqual({ linkTtlMs: 7 * 86_400_000, redownloadWindowMs: 86_400_000, maxNinoAttempts: 5 });
  expect(config.presignTtlSeconds).toBe(60);
  expect(config.sms.outboxFile).toBe(path.join(dataDir, 'outbox.jsonl'));
  expect(config.s3.endpoint).toBeUndefined();
});

test('outside production, missing secrets are generated once and kept for the next start', () => {
  const first = loadConfig({ DATA_DIR: dataDir });
  const second = loadConfig({ DATA_DIR: dataDir });
  expect(second.secrets.sessionKey.equals(first.secrets.sessionKey)).toBe(true);
  expect(JSON.parse(readFileSync(path.join(dataDir, 'dev-secrets.json'), 'utf8'))).toHaveProperty('NINO_PEPPER');
});

test('no secrets file is written for a configuration that is refused, nor when the environment sets every secret', () => {
  const file = path.join(dataDir, 'dev-secrets.json');
  expect(errorOf({ TRUST_PROXY: 'yes' })).toMatch(/^TRUST_PROXY: /);
  expect(errorOf({ RETENTION_MONTHS: '0' })).toMatch(/^RETENTION_MONTHS: /);
  expect(existsSync(file)).toBe(false);
  loadConfig({ DATA_DIR: dataDir, ...productionSecrets, ...embeddedKeys });
  expect(existsSync(file)).toBe(false);
});

test('the development secrets file is readable by its owner only', () => {
  loadConfig({ DATA_DIR: dataDir, SESSION_SECRET: key(9) });
  const stored = JSON.parse(readFileSync(path.join(dataDir, 'dev-secrets.json'), 'utf8'));
  expect(Object.keys(stored).sort()).toEqual([...Object.keys(productionSecrets), 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'].sort());
  expect(statSync(path.join(dataDir, 'dev-secrets.json')).mode & 0o777).toBe(0o600);
});

test('production takes its secrets from the environment, first key signing', () => {
  const config = loadConfig({ DATA_DIR: dataDir, NODE_ENV: 'production', BASE_URL: 'https://recordings.example.gov.uk', S3_ENDPOINT: 'embedded', ...embeddedKeys, ...productionSecrets });
  expect(config.secrets.linkKeys.current.id).toBe('k2');
  expect([...config.secrets.linkKeys.byId.keys()]).toEqual(['k2', 'k1']);
});

test.each([
  ['PORT', { PORT: 'eighty' }],
  ['PORT', { PORT: '70000' }],
  ['BASE_URL', { BASE_URL: 'not a url' }],
  ['BASE_URL', { BASE_URL: 'https://x.gov.uk/path' }],
  ['LINK_TTL', { LINK_TTL: 'a week' }],
  ['LINK_TTL', { LINK_TTL: '0d' }],
  ['REDOWNLOAD_WINDOW', { REDOWNLOAD_WINDOW: '24' }],
  ['PRESIGN_TTL', { PRESIGN_TTL: '2h' }],
  ['MAX_NINO_ATTEMPTS', { MAX_NINO_ATTEMPTS: '0' }],
  ['SMS_PROVIDER', { SMS_PROVIDER: 'pigeon' }],
  ['S3_ENDPOINT', { S3_ENDPOINT: 'nowhere' }],
  ['S3_ACCESS_KEY_ID', { S3_ENDPOINT: 'https://s3.example.com' }],
  ['S3_BUCKET', { S3_BUCKET: 'No_Such Bucket' }],
  ['S3_TIMEOUT', { S3_TIMEOUT: '20' }],
  ['S3_HEAD_TIMEOUT', { S3_HEAD_TIMEOUT: 'soon' }],
  ['S3_HEAD_TIMEOUT', { S3_HEAD_TIMEOUT: '2m' }],
  ['LINK_SIGNING_KEYS', { LINK_SIGNING_KEYS: 'k1:short' }],
  ['LINK_SIGNING_KEYS', { LINK_SIGNING_KEYS: `K 1:${key(1)}` }],
  ['LINK_SIGNING_KEYS', { LINK_SIGNING_KEYS: `k1:${key(1)},k1:${key(2)}` }],
  ['FIELD_ENCRYPTION_KEYS', { FIELD_ENCRYPTION_KEYS: `f1:${Buffer.alloc(48, 1).toString('base64')}` }],
  ['SESSION_SECRET', { SESSION_SECRET: 'not base64 at all!' }],
])('stops with one line naming %s when it is wrong', (variable, env) => {
  const message = errorOf(env);
  expect(message.startsWith(`${variable}: `)).toBe(true);
  expect(message).not.toContain('\n');
});

test('production refuses to start without its secrets, naming the first missing one', () => {
  expect(errorOf({ NODE_ENV: 'production', BASE_URL: 'https://recordings.example.gov.uk', S3_ENDPOINT: 'embedded', ...embeddedKeys })).toMatch(/^LINK_SIGNING_KEYS: is required in production/);
});

test('production refuses a plain-http BASE_URL', () => {
  expect(errorOf({ NODE_ENV: 'production', BASE_URL: 'http://recordings.example.gov.uk', ...productionSecrets })).toMatch(/^BASE_URL: must use https/);
});

describe('text message settings', () => {
  test('a BASE_URL too long for one English segment stops start-up, naming it', () => {
    expect(errorOf({ BASE_URL: 'https://get-your-assessment-recording.service.gov.uk' })).toMatch(/^BASE_URL: texted links would take 2 segments in English, over SMS_SEGMENT_BUDGET=1/);
    expect(loadConfig({ DATA_DIR: dataDir, BASE_URL: 'https://get-your-assessment-recording.service.gov.uk', SMS_SEGMENT_BUDGET: '2' }).sms.segmentBudget.en).toBe(2);
  });

  test('a Welsh budget below what Welsh needs stops start-up', () => {
    expect(errorOf({ SMS_SEGMENT_BUDGET_CY: '2' })).toMatch(/^BASE_URL: texted links would take 3 segments in Welsh, over SMS_SEGMENT_BUDGET_CY=2/);
  });

  const twilio = { SMS_PROVIDER: 'twilio', TWILIO_ACCOUNT_SID: `AC${'a'.repeat(32)}`, TWILIO_AUTH_TOKEN: 'b'.repeat(32), TWILIO_FROM: '+447700900000' };
  const notify = { SMS_PROVIDER: 'notify', NOTIFY_API_KEY: `portal-${'1'.repeat(8)}-1111-1111-1111-${'1'.repeat(12)}-${'2'.repeat(8)}-2222-2222-2222-${'2'.repeat(12)}`, NOTIFY_TEMPLATE_ID: `${'3'.repeat(8)}-3333-3333-3333-${'3'.repeat(12)}`, NOTIFY_CALLBACK_TOKEN: 'c'.repeat(32) };

  test('twilio and notify read their settings', () => {
    expect(loadConfig({ DATA_DIR: dataDir, ...twilio }).sms.twilio).toMatchObject({ sender: { from: '+447700900000' } });
    expect(loadConfig({ DATA_DIR: dataDir, ...notify }).sms.notify).toMatchObject({ baseUrl: 'https://api.notifications.service.gov.uk', templateIds: { cy: notify.NOTIFY_TEMPLATE_ID } });
  });

  test.each([
    ['TWILIO_ACCOUNT_SID', { ...twilio, TWILIO_ACCOUNT_SID: 'nope' }],
    ['TWILIO_AUTH_TOKEN', { ...twilio, TWILIO_AUTH_TOKEN: '' }],
    ['TWILIO_MESSAGING_SERVICE_SID', { ...twilio, TWILIO_FROM: '' }],
    ['TWILIO_FROM', { ...twilio, TWILIO_FROM: 'far too long a sender' }],
    ['NOTIFY_API_KEY', { ...notify, NOTIFY_API_KEY: 'secret' }],
    ['NOTIFY_TEMPLATE_ID', { ...notify, NOTIFY_TEMPLATE_ID: 'welcome' }],
    ['NOTIFY_CALLBACK_TOKEN', { ...notify, NOTIFY_CALLBACK_TOKEN: 'short' }],
    ['NOTIFY_BASE_URL', { ...notify, NOTIFY_BASE_URL: 'ftp://x' }],
  ])('a wrong %s stops start-up, naming it', (variable, env) => {
    expect(errorOf(env).startsWith(`${variable}: `)).toBe(true);
  });
});

test.each([
  ['not JSON', 'ed25519'],
  ['an empty list', '[]'],
  ['a key of another kind', JSON.stringify([{ kty: 'RSA', kid: 'm1', d: 'x', x: 'y' }])],
  ['a key without a kid', JSON.stringify([{ ...generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }) }])],
])('MANIFEST_SIGNING_KEYS that is %s stops start-up, naming it', (_name, value) => {
  expect(errorOf({ MANIFEST_SIGNING_KEYS: value }).startsWith('MANIFEST_SIGNING_KEYS: ')).toBe(true);
});

test('a development secrets file from an older version gains the secrets it lacks and keeps the rest', () => {
  const first = loadConfig({ DATA_DIR: dataDir });
  const file = path.join(dataDir, 'dev-secrets.json');
  const stored = JSON.parse(readFileSync(file, 'utf8'));
  delete stored.MANIFEST_SIGNING_KEYS;
  writeFileSync(file, JSON.stringify(stored));
  const second = loadConfig({ DATA_DIR: dataDir });
  expect(second.secrets.sessionKey.equals(first.secrets.sessionKey)).toBe(true);
  expect(second.secrets.manifestKeys).toHaveLength(1);
  expect(JSON.parse(readFileSync(file, 'utf8'))).toHaveProperty('MANIFEST_SIGNING_KEYS');
});

describe('booleans', () => {
  test.each([
    ['TRUE', true],
    ['True', true],
    ['true', true],
    ['FALSE', false],
    ['false', false],
  ])('S3_FORCE_PATH_STYLE and S3_VERSIONED_BUCKET read "%s" as %s', (value, expected) => {
    const config = loadConfig({ DATA_DIR: dataDir, S3_FORCE_PATH_STYLE: value, S3_VERSIONED_BUCKET: value });
    expect([config.s3.forcePathStyle, config.s3.versioned]).toEqual([expected, expected]);
  });

  test('unset, they keep their defaults', () => {
    const config = loadConfig({ DATA_DIR: dataDir });
    expect([config.s3.forcePathStyle, config.s3.versioned]).toEqual([true, false]);
  });

  test.each(['S3_FORCE_PATH_STYLE', 'S3_VERSIONED_BUCKET'])('%s refuses anything but true or false, in one line naming it', (variable) => {
    for (const value of ['yes', '1', 'on', 'truee', 'no']) {
      const message = errorOf({ [variable]: value });
      expect(message).toBe(`${variable}: must be true or false, got "${value}"`);
    }
  });
});

describe('TRUST_PROXY', () => {
  test.each([
    ['true', true],
    ['FALSE', false],
    ['2', 2],
    ['loopback', 'loopback'],
    ['10.0.0.1, 192.168.0.0/16, fd00::/8', '10.0.0.1, 192.168.0.0/16, fd00::/8'],
    ['loopback,10.0.0.0/255.0.0.0', 'loopback,10.0.0.0/255.0.0.0'],
  ])('accepts "%s" as Express does', (value, expected) => {
    const { trustProxy } = loadConfig({ DATA_DIR: dataDir, TRUST_PROXY: value });
    expect(trustProxy).toEqual(expected);
    // What start-up hands to Express: "true" as a string used to be taken for an address, and threw.
    expect(() => express().set('trust proxy', trustProxy)).not.toThrow();
  });

  const production = { NODE_ENV: 'production', BASE_URL: 'https://recordings.example.gov.uk', S3_ENDPOINT: 'embedded', ...embeddedKeys, ...productionSecrets };

  test.each(['true', 'TRUE'])('refuses "%s" in production, in one line saying what to set instead', (value) => {
    const message = errorOf({ ...production, TRUST_PROXY: value });
    expect(message).toBe(
      'TRUST_PROXY: must not be true in production: true trusts any X-Forwarded-For a client sends, so every per-address limit can be dodged; set the number of proxies in front of the portal (e.g. 1) or their addresses (e.g. 10.0.0.0/8)',
    );
  });

  test('in production a hop count, addresses or false are taken without a word', () => {
    for (const [value, expected] of [['1', 1], ['10.0.0.0/8, loopback', '10.0.0.0/8, loopback'], ['false', false]] as const) {
      expect(loadConfig({ DATA_DIR: dataDir, ...production, TRUST_PROXY: value })).toMatchObject({ trustProxy: expected, warnings: [] });
    }
  });

  test('outside production "true" is taken, with a warning for start-up to log; a hop count has none', () => {
    expect(loadConfig({ DATA_DIR: dataDir, TRUST_PROXY: 'true' }).warnings).toEqual([expect.stringMatching(/^TRUST_PROXY: true trusts any X-Forwarded-For .* set the number of proxies/)]);
    expect(loadConfig({ DATA_DIR: dataDir, TRUST_PROXY: '1' }).warnings).toEqual([]);
    expect(loadConfig({ DATA_DIR: dataDir }).warnings).toEqual([]);
  });

  test.each(['yes', 'loopbak', '10.0.0.300', '10.0.0.0/33', '10.0.0.1,', 'fd00::/8/1'])('refuses "%s" in one line naming it', (value) => {
    const message = errorOf({ TRUST_PROXY: value });
    expect(message.startsWith('TRUST_PROXY: must be true, false, a number of proxy hops')).toBe(true);
    expect(message).not.toContain('\n');
  });
});

test('METRICS_HOST is loopback unless set, and must be an address', () => {
  expect(loadConfig({ DATA_DIR: dataDir }).metricsHost).toBe('127.0.0.1');
  expect(loadConfig({ DATA_DIR: dataDir, METRICS_HOST: '0.0.0.0' }).metricsHost).toBe('0.0.0.0');
  expect(errorOf({ METRICS_HOST: 'everywhere' })).toMatch(/^METRICS_HOST: must be an IP address/);
});

describe('the embedded S3 server in production', () => {
  const production = { NODE_ENV: 'production', BASE_URL: 'https://recordings.example.gov.uk', ...productionSecrets };

  test('production without S3_ENDPOINT refuses to start, naming it', () => {
    expect(errorOf(production)).toMatch(/^S3_ENDPOINT: is required in production/);
    expect(errorOf({ ...production, S3_ENDPOINT: ' ' })).toMatch(/^S3_ENDPOINT: is required in production/);
  });

  test('production runs it only when S3_ENDPOINT says "embedded"; a real endpoint is used as given', () => {
    expect(loadConfig({ DATA_DIR: dataDir, ...production, S3_ENDPOINT: 'embedded', ...embeddedKeys }).s3.endpoint).toBeUndefined();
    const real = loadConfig({ DATA_DIR: dataDir, ...production, S3_ENDPOINT: 'https://s3.eu-west-2.amazonaws.com', S3_ACCESS_KEY_ID: 'AKIA', S3_SECRET_ACCESS_KEY: 'secret' });
    expect(real.s3.endpoint).toBe('https://s3.eu-west-2.amazonaws.com');
  });

  test.each([
    ['S3_ACCESS_KEY_ID', {}],
    ['S3_ACCESS_KEY_ID', { S3_SECRET_ACCESS_KEY: key(7) }],
    ['S3_SECRET_ACCESS_KEY', { S3_ACCESS_KEY_ID: 'EMBEDDEDKEY1' }],
  ])('with S3_ENDPOINT=embedded it needs the key pair to accept: one line naming %s', (variable, keys) => {
    const message = errorOf({ ...production, S3_ENDPOINT: 'embedded', ...keys });
    expect(message).toMatch(new RegExp(`^${variable}: is required when S3_ENDPOINT is "embedded" in production`));
    expect(message).not.toContain('\n');
  });
});

describe("s3rver's published default key pair (S3RVER/S3RVER)", () => {
  const defaultPair = { S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER' };
  test.each([
    ['production, embedded', { NODE_ENV: 'production', BASE_URL: 'https://recordings.example.gov.uk', S3_ENDPOINT: 'embedded', ...productionSecrets }],
    ['development, embedded', {}],
    ['a named endpoint', { S3_ENDPOINT: 'http://127.0.0.1:4569' }],
  ])('is refused (%s), in one line', (_where, env) => {
    const message = errorOf({ ...env, ...defaultPair });
    expect(message).toMatch(/^S3_SECRET_ACCESS_KEY: is s3rver's published default pair/);
    expect(message).not.toContain('\n');
  });

  test('outside production the embedded server gets a random pair, kept in dev-secrets.json and the same on every start', () => {
    const first = loadConfig({ DATA_DIR: dataDir, ...productionSecrets }).s3;
    const stored = JSON.parse(readFileSync(path.join(dataDir, 'dev-secrets.json'), 'utf8'));
    expect(first.accessKeyId).toBe(stored.S3_ACCESS_KEY_ID);
    expect(first.secretAccessKey).toBe(stored.S3_SECRET_ACCESS_KEY);
    expect(first.accessKeyId).not.toBe('S3RVER');
    expect(first.secretAccessKey.length).toBeGreaterThanOrEqual(32);
    expect(statSync(path.join(dataDir, 'dev-secrets.json')).mode & 0o777).toBe(0o600);
    const again = loadConfig({ DATA_DIR: dataDir }).s3;
    expect([again.accessKeyId, again.secretAccessKey]).toEqual([first.accessKeyId, first.secretAccessKey]);
    const elsewhere = mkdtempSync(path.join(tmpdir(), 'portal-config-other-'));
    try {
      expect(loadConfig({ DATA_DIR: elsewhere }).s3.secretAccessKey).not.toBe(first.secretAccessKey);
    } finally {
      rmSync(elsewhere, { recursive: true, force: true });
    }
  });
});
