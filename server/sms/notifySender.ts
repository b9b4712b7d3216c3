import { NotifyClient } from 'notifications-node-client';
import type { NotifyConfig } from '../config';
import { retryAfterMs, SmsSendError, type SmsSender } from './smsSender';

interface AxiosLikeError {
  response?: { status: number; headers?: Record<string, unknown>; data?: { errors?: Array<{ error?: string }> } };
  message: string;
}

function classify(error: unknown, now: Date): SmsSendError {
  const { response, message } = error as AxiosLikeError;
  if (!response) return new SmsSendError(`notify unreachable: ${message}`, false);
  const kind = response.data?.errors?.[0]?.error ?? 'error';
  // 400 is a bad request (an invalid number, a missing personalisation); 403 a bad key: retrying
  // cannot help. 429 and 5xx are the provider's trouble: try again later.
  const permanent = response.status === 400 || response.status === 403;
  return new SmsSendError(`notify answered ${response.status} (${kind})`, permanent, retryAfterMs(response.headers?.['retry-after'], now));
}

/** GOV.UK Notify: a template per language, filled with the link and its last day; our id as reference. */
export function notifySender(config: NotifyConfig): SmsSender {
  const client = new NotifyClient(config.baseUrl, config.apiKey);
  return {
    provider: 'notify',
    async send(message, now) {
      try {
        const response = await client.sendSms(config.templateIds[message.language], message.to, {
          personalisation: { link: message.url, until: message.until },
          reference: message.id,
        });
        return { providerMessageId: response.data.id };
      } catch (error) {
        throw classify(error, now);
      }
    },
    async findSent(message) {
      try {
        const response = await client.getNotifications('sms', undefined, message.id);
        return response.data.notifications[0]?.id;
      } catch (error) {
        throw classify(error, new Date());
      }
    },
  };
}
