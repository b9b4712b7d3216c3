import type { SmsProvider } from './smsProviders';

export type { SmsProvider } from './smsProviders';

/** A queued message as the dispatcher hands it to a provider, decrypted just for the call. */
export interface OutgoingSms {
  /** Our message id: the reference each provider keeps, used to find a message after a crash. */
  id: string;
  to: string;
  body: string;
  /** The link alone, for providers that fill a template (Notify) and for the development outbox. */
  url: string;
  /** The link's last day, as written in the message. */
  until: string;
  language: 'en' | 'cy';
  createdAt: Date;
}

/** One interface for every provider; nothing above it knows which one delivers the messages. */
export interface SmsSender {
  provider: SmsProvider;
  send(message: OutgoingSms, now: Date): Promise<{ providerMessageId: string }>;
  /**
   * Asks the provider whether it already accepted this message (a dispatcher may have stopped
   * between the provider's answer and recording it); returns the provider's id if so.
   */
  findSent(message: OutgoingSms): Promise<string | undefined>;
}

/** A provider's refusal: `permanent` ones (invalid or blocked number) are never retried. */
export class SmsSendError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'SmsSendError';
  }
}

/** Seconds or an HTTP date, as Retry-After allows; undefined when absent or unreadable. */
export function retryAfterMs(header: unknown, now: Date): number | undefined {
  if (typeof header !== 'string' || header.trim() === '') return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}
