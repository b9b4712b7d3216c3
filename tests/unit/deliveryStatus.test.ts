import { nextDeliveryStatus, notifyDeliveryStatus, retryDelayMs, twilioDeliveryStatus } from '../../server/policy/deliveryStatus';
import { retryAfterMs } from '../../server/sms/smsSender';

describe('nextDeliveryStatus', () => {
  test('moves forward through queued, sending, sent to a final state', () => {
    expect(nextDeliveryStatus(null, 'sent')).toBe('sent');
    expect(nextDeliveryStatus('queued', 'sending')).toBe('sending');
    expect(nextDeliveryStatus('sent', 'delivered')).toBe('delivered');
    expect(nextDeliveryStatus('sending', 'undelivered')).toBe('undelivered');
  });

  test('never moves backwards, never repeats, never replaces a final state', () => {
    expect(nextDeliveryStatus('delivered', 'sent')).toBeUndefined();
    expect(nextDeliveryStatus('sent', 'sent')).toBeUndefined();
    expect(nextDeliveryStatus('delivered', 'failed')).toBeUndefined();
    expect(nextDeliveryStatus('undelivered', 'delivered')).toBeUndefined();
  });
});

test('provider statuses map onto ours; anything else is unknown', () => {
  expect(twilioDeliveryStatus('read')).toBe('delivered');
  expect(twilioDeliveryStatus('canceled')).toBe('failed');
  expect(notifyDeliveryStatus('permanent-failure')).toBe('undelivered');
  expect(notifyDeliveryStatus('technical-failure')).toBe('failed');
  for (const hostile of ['__proto__', 'constructor', 'DELIVERED', '', 42, undefined]) {
    expect(twilioDeliveryStatus(hostile)).toBeUndefined();
    expect(notifyDeliveryStatus(hostile)).toBeUndefined();
  }
});

describe('retryDelayMs', () => {
  test('doubles from 2 seconds with jitter between half and the whole', () => {
    expect(retryDelayMs(1, 0)).toBe(1000);
    expect(retryDelayMs(1, 1)).toBe(2000);
    expect(retryDelayMs(3, 1)).toBe(8000);
    expect(retryDelayMs(3, 0.5)).toBe(6000);
  });

  test('is capped at 15 minutes', () => {
    expect(retryDelayMs(30, 1)).toBe(15 * 60_000);
  });

  test("waits at least as long as the provider's Retry-After", () => {
    expect(retryDelayMs(1, 1, 120_000)).toBe(120_000);
    expect(retryDelayMs(10, 1, 1000)).toBe(15 * 60_000);
  });
});

test('Retry-After is read as seconds or as an HTTP date', () => {
  const now = new Date('2026-11-23T10:00:00Z');
  expect(retryAfterMs('120', now)).toBe(120_000);
  expect(retryAfterMs('Mon, 23 Nov 2026 10:01:00 GMT', now)).toBe(60_000);
  expect(retryAfterMs('soon', now)).toBeUndefined();
  expect(retryAfterMs(undefined, now)).toBeUndefined();
});
