import { timingSafeEqual } from 'node:crypto';
import express, { Router, type Response } from 'express';
import type { PortalDeps } from '../deps';
import { notifyDeliveryStatus, twilioDeliveryStatus } from '../policy/deliveryStatus';

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const refuse = (res: Response) => res.status(403).json({ error: 'signature or token not valid' });

/**
 * Delivery receipts from the SMS providers. Each is authenticated first (Twilio's request
 * signature, Notify's bearer token): anything unsigned or wrongly signed gets 403 and changes
 * nothing. A receipt that would move a message backwards, or names no message of ours, is ignored.
 */
export function webhookRoutes(deps: Pick<PortalDeps, 'config' | 'outbox' | 'clock' | 'logger'>): Router {
  const router = Router();
  const { twilio: twilioConfig, notify: notifyConfig } = deps.config.sms;

  if (twilioConfig) {
    // Loaded only when Twilio is the provider (see runtime.ts).
    const { validateRequest }: typeof import('twilio') = require('twilio');
    const callbackUrl = new URL('/webhooks/twilio/status', deps.config.baseUrl).toString();
    router.post('/webhooks/twilio/status', express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 100 }), async (req, res) => {
      const signature = req.get('x-twilio-signature');
      const params: Record<string, string> = {};
      for (const [name, value] of Object.entries(req.body ?? {})) if (typeof value === 'string') params[name] = value;
      if (!signature || !validateRequest(twilioConfig.authToken, signature, callbackUrl, params)) return void refuse(res);
      const status = twilioDeliveryStatus(params.MessageStatus);
      if (!status || !params.MessageSid) return void res.status(400).json({ error: 'MessageSid and a known MessageStatus are required' });
      const outcome = await deps.outbox.recordDelivery('twilio', params.MessageSid, status, deps.clock());
      deps.logger.info({ provider: 'twilio', status, outcome }, 'delivery receipt');
      return void res.status(204).end();
    });
  }

  if (notifyConfig) {
    router.post('/webhooks/notify/status', express.json({ limit: '16kb' }), async (req, res) => {
      const authorization = req.get('authorization') ?? '';
      if (!authorization.startsWith('Bearer ') || !sameSecret(authorization.slice(7), notifyConfig.callbackToken)) return void refuse(res);
      const { id, status: notifyStatus } = (req.body ?? {}) as { id?: unknown; status?: unknown };
      const status = notifyDeliveryStatus(notifyStatus);
      if (!status || typeof id !== 'string' || id.length > 100) return void res.status(400).json({ error: 'id and a known status are required' });
      const outcome = await deps.outbox.recordDelivery('notify', id, status, deps.clock());
      deps.logger.info({ provider: 'notify', status, outcome }, 'delivery receipt');
      return void res.status(204).end();
    });
  }

  return router;
}
