import type { Config } from '../config';
import { outboxSender } from './outboxSender';
import type { SmsSender } from './smsSender';

/*
 * The clients of Twilio and Notify are loaded only when the configuration names them, like the other
 * optional components (see runtime.ts).
 */

/** The provider SMS_PROVIDER names; Twilio posts its delivery receipts back to this portal. */
export function smsSender(config: Config, announce?: (line: string) => void): SmsSender {
  switch (config.sms.provider) {
    case 'twilio': {
      const { twilioSender }: typeof import('./twilioSender') = require('./twilioSender');
      return twilioSender(config.sms.twilio!, new URL('/webhooks/twilio/status', config.baseUrl).toString());
    }
    case 'notify': {
      const { notifySender }: typeof import('./notifySender') = require('./notifySender');
      return notifySender(config.sms.notify!);
    }
    case 'outbox':
      return outboxSender(config.sms.outboxFile, announce);
  }
}
