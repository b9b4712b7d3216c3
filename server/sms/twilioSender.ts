import twilio from 'twilio';
import RequestClient from 'twilio/lib/base/RequestClient';
import type { TwilioConfig } from '../config';
import { SmsSendError, type SmsSender } from './smsSender';

/** Twilio error codes that mean "this number will never work": invalid, not a mobile, opted out, blocked. */
const PERMANENT_CODES = new Set([21211, 21214, 21217, 21408, 21610, 21612, 21614, 30003, 30004, 30005, 30006]);

/** Sends through a stand-in of Twilio's API (tests) by rewriting the SDK's request host. */
class BaseUrlRequestClient extends RequestClient {
  constructor(private readonly baseUrl: string) {
    super({ timeout: 10_000 });
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    return super.request({ ...opts, uri: opts.uri.replace(/^https:\/\/[^/]+/, this.baseUrl) });
  }
}

function classify(error: unknown): SmsSendError {
  const status = (error as { status?: unknown }).status;
  const code = (error as { code?: unknown }).code;
  if (typeof status === 'number') {
    const permanent = (typeof code === 'number' && PERMANENT_CODES.has(code)) || (status >= 400 && status < 500 && status !== 429 && status !== 408);
    return new SmsSendError(`twilio answered ${status}${typeof code === 'number' ? ` (code ${code})` : ''}`, permanent);
  }
  return new SmsSendError(`twilio unreachable: ${(error as Error).message}`, false);
}

/** Twilio Programmable Messaging, with delivery receipts posted to /webhooks/twilio/status. */
export function twilioSender(config: TwilioConfig, statusCallback: string): SmsSender {
  const client = twilio(config.accountSid, config.authToken, {
    httpClient: config.apiBaseUrl ? new BaseUrlRequestClient(config.apiBaseUrl) : undefined,
    autoRetry: false,
  });
  return {
    provider: 'twilio',
    async send(message) {
      try {
        const created = await client.messages.create({ to: message.to, body: message.body, statusCallback, ...config.sender });
        return { providerMessageId: created.sid };
      } catch (error) {
        throw classify(error);
      }
    },
    async findSent(message) {
      try {
        const recent = await client.messages.list({ to: message.to, dateSentAfter: new Date(message.createdAt.getTime() - 60_000), limit: 100 });
        return recent.find((sent) => sent.body === message.body)?.sid;
      } catch (error) {
        throw classify(error);
      }
    },
  };
}
