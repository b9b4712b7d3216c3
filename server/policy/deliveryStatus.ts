/** What the provider last told us about a sent message, in the order a message moves through them. */
export type DeliveryStatus = 'queued' | 'sending' | 'sent' | 'delivered' | 'undelivered' | 'failed';

const RANK: Record<DeliveryStatus, number> = { queued: 1, sending: 2, sent: 3, delivered: 4, undelivered: 4, failed: 4 };

/**
 * Receipts arrive out of order and are sometimes repeated; a message never moves backwards and a
 * final state (delivered, undelivered, failed) is never replaced. Returns the status to record, or
 * undefined when the receipt changes nothing.
 */
export function nextDeliveryStatus(current: DeliveryStatus | null, incoming: DeliveryStatus): DeliveryStatus | undefined {
  if (current === null) return incoming;
  return RANK[incoming] > RANK[current] ? incoming : undefined;
}

const TWILIO: Record<string, DeliveryStatus> = {
  accepted: 'queued',
  scheduled: 'queued',
  queued: 'queued',
  sending: 'sending',
  sent: 'sent',
  delivered: 'delivered',
  read: 'delivered',
  undelivered: 'undelivered',
  failed: 'failed',
  canceled: 'failed',
};

const NOTIFY: Record<string, DeliveryStatus> = {
  created: 'queued',
  sending: 'sending',
  pending: 'sending',
  sent: 'sent',
  delivered: 'delivered',
  'permanent-failure': 'undelivered',
  'temporary-failure': 'undelivered',
  'technical-failure': 'failed',
};

export const twilioDeliveryStatus = (status: unknown) => (typeof status === 'string' && Object.hasOwn(TWILIO, status) ? TWILIO[status] : undefined);
export const notifyDeliveryStatus = (status: unknown) => (typeof status === 'string' && Object.hasOwn(NOTIFY, status) ? NOTIFY[status] : undefined);

/**
 * Wait before the next try: exponential from 2 s, capped at 15 minutes, with jitter so many
 * dispatchers do not retry in step; a provider's Retry-After wins when it asks for longer.
 */
export function retryDelayMs(attempt: number, random: number, retryAfterMs?: number): number {
  const exponential = Math.min(15 * 60_000, 2000 * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(exponential * (0.5 + random / 2));
  return Math.max(jittered, retryAfterMs ?? 0);
}
