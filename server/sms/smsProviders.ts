/** The providers that can deliver the portal's texts, named as SMS_PROVIDER names them; the first is the default. */
export const SMS_PROVIDERS = ['outbox', 'twilio', 'notify'] as const;

export type SmsProvider = (typeof SMS_PROVIDERS)[number];

export const isSmsProvider = (name: string): name is SmsProvider => (SMS_PROVIDERS as readonly string[]).includes(name);

/** "outbox, twilio or notify", for the configuration error that lists them. */
export const smsProviderChoices = (): string => `${SMS_PROVIDERS.slice(0, -1).join(', ')} or ${SMS_PROVIDERS[SMS_PROVIDERS.length - 1]}`;
