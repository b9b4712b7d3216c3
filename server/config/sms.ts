import path from 'node:path';
import { worstCaseSegments } from '../policy/smsMessage';
import { UUID_ANY_CASE } from '../policy/uuid';
import { SMS_PROVIDERS, isSmsProvider, smsProviderChoices, type SmsProvider } from '../sms/smsProviders';
import { ConfigError, duration, integer, read, type Env } from './read';

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

/** A Messaging Service SID (MG…) or a sender (E.164 number or alphanumeric sender id). */
function twilioSender(env: Env): { messagingServiceSid: string } | { from: string } {
  const messagingServiceSid = read(env, 'TWILIO_MESSAGING_SERVICE_SID');
  const from = read(env, 'TWILIO_FROM');
  if (messagingServiceSid) {
    if (!/^MG[0-9a-f]{32}$/.test(messagingServiceSid)) throw new ConfigError('TWILIO_MESSAGING_SERVICE_SID', 'must be MG followed by 32 hex digits');
    return { messagingServiceSid };
  }
  if (!from) throw new ConfigError('TWILIO_MESSAGING_SERVICE_SID', 'or TWILIO_FROM is required when SMS_PROVIDER=twilio');
  if (!/^(\+[1-9]\d{6,14}|[A-Za-z][A-Za-z0-9 ]{0,10})$/.test(from)) {
    throw new ConfigError('TWILIO_FROM', 'must be an E.164 number or an alphanumeric sender id of at most 11 characters');
  }
  return { from };
}

function twilioSettings(env: Env) {
  const sender = twilioSender(env);
  return {
    accountSid: required(env, 'TWILIO_ACCOUNT_SID', /^AC[0-9a-f]{32}$/, 'AC followed by 32 hex digits', 'twilio'),
    authToken: required(env, 'TWILIO_AUTH_TOKEN', /^[0-9a-f]{32}$/, '32 hex digits', 'twilio'),
    sender,
    /** Only for a local stand-in of Twilio's API; unset in production. */
    apiBaseUrl: optionalUrl(env, 'TWILIO_API_BASE_URL'),
  };
}

function notifySettings(env: Env) {
  const apiKey = required(env, 'NOTIFY_API_KEY', /^.+-[0-9a-f-]{36}-[0-9a-f-]{36}$/i, 'a GOV.UK Notify API key (name-serviceid-secret)', 'notify');
  const en = required(env, 'NOTIFY_TEMPLATE_ID', UUID_ANY_CASE, 'a template id (UUID)', 'notify');
  const cy = read(env, 'NOTIFY_TEMPLATE_ID_CY') ?? en;
  if (!UUID_ANY_CASE.test(cy)) throw new ConfigError('NOTIFY_TEMPLATE_ID_CY', 'must be a template id (UUID)');
  return {
    apiKey,
    templateIds: { en, cy },
    baseUrl: optionalUrl(env, 'NOTIFY_BASE_URL') ?? 'https://api.notifications.service.gov.uk',
    /** The bearer token GOV.UK Notify sends with delivery receipts. */
    callbackToken: required(env, 'NOTIFY_CALLBACK_TOKEN', /^[\x21-\x7e]{16,256}$/, 'at least 16 printable characters', 'notify'),
  };
}

export type TwilioConfig = ReturnType<typeof twilioSettings>;
export type NotifyConfig = ReturnType<typeof notifySettings>;

function provider(env: Env): SmsProvider {
  const name = read(env, 'SMS_PROVIDER') ?? SMS_PROVIDERS[0];
  if (!isSmsProvider(name)) throw new ConfigError('SMS_PROVIDER', `must be ${smsProviderChoices()}, got "${name}"`);
  return name;
}

/** Text messages: which provider sends them, and how fast and how often. */
export function smsSettings(env: Env, dataDir: string) {
  const chosen = provider(env);
  return {
    provider: chosen,
    outboxFile: path.resolve(read(env, 'SMS_OUTBOX_FILE') ?? path.join(dataDir, 'outbox.jsonl')),
    twilio: chosen === 'twilio' ? twilioSettings(env) : undefined,
    notify: chosen === 'notify' ? notifySettings(env) : undefined,
    /** The most segments a link message may take, per language; start-up checks the worst case. */
    segmentBudget: { en: integer(env, 'SMS_SEGMENT_BUDGET', 1, 1, 10), cy: integer(env, 'SMS_SEGMENT_BUDGET_CY', 3, 1, 10) },
    dispatchIntervalMs: duration(env, 'SMS_DISPATCH_INTERVAL', '2s'),
    maxAttempts: integer(env, 'SMS_MAX_ATTEMPTS', 8, 1, 50),
    /** Sends per second at most (the provider's rate limit); 0 sends as fast as the provider answers. */
    maxPerSecond: integer(env, 'SMS_MAX_PER_SECOND', 0, 0, 10_000),
  };
}

export type SmsConfig = ReturnType<typeof smsSettings>;

/** A configuration whose texted links would cost more segments than budgeted must not start. */
export function checkSegmentBudget(baseUrl: URL, linkKeyId: string, budget: SmsConfig['segmentBudget']): void {
  const longestToken = `${linkKeyId}.${'A'.repeat(32)}`;
  const worst = worstCaseSegments(new URL(`/r/${longestToken}`, baseUrl).toString());
  for (const [language, variable] of [['en', 'SMS_SEGMENT_BUDGET'], ['cy', 'SMS_SEGMENT_BUDGET_CY']] as const) {
    if (worst[language] > budget[language]) {
      throw new ConfigError(
        'BASE_URL',
        `texted links would take ${worst[language]} segments in ${language === 'en' ? 'English' : 'Welsh'}, over ${variable}=${budget[language]}; use a shorter host or raise the budget`,
      );
    }
  }
}
