import type { Logger } from 'pino';
import type { Clock } from '../clock';
import type { PortalMetrics } from '../observability/metrics';
import { retryDelayMs } from '../policy/deliveryStatus';
import { backgroundJob } from '../services/backgroundJob';
import type { FieldCipher } from '../security/fieldCipher';
import type { SmsMessageRow, SmsOutboxStore } from '../store/smsOutboxStore';
import { SmsSendError, type OutgoingSms, type SmsSender } from './smsSender';

export const SMS_PAYLOAD_FIELD = 'sms_messages.payload';

/** What is encrypted into a queued message: everything a provider needs and nothing else. */
export interface SmsPayload {
  to: string;
  body: string;
  url: string;
  until: string;
}

export interface DispatcherDeps {
  outbox: SmsOutboxStore;
  sender: SmsSender;
  cipher: FieldCipher;
  clock: Clock;
  metrics: PortalMetrics;
  logger: Logger;
  maxAttempts: number;
  /** How long a claim lasts: longer than one provider call can take. */
  leaseMs?: number;
  batchSize?: number;
  /** Provider calls in flight at once. */
  concurrency?: number;
  /** Sends started per second at most, to stay inside the provider's rate limit; 0 for no pacing. */
  maxPerSecond?: number;
  random?: () => number;
}

export interface DispatchCounts {
  sent: number;
  retrying: number;
  failed: number;
}

/**
 * Spaces sends evenly at `perSecond` (wall-clock time: this is about the provider's real limit), so
 * a large batch goes out at the provider's rate instead of bouncing off it with 429s. It runs 2%
 * under the limit, so timer and network jitter cannot push a second's count over it.
 */
function pacer(perSecond: number): () => Promise<void> {
  if (perSecond <= 0) return async () => {};
  const spacingMs = 1000 / (perSecond * 0.98);
  let nextSlot = 0;
  return async () => {
    const now = performance.now();
    const slot = Math.max(now, nextSlot);
    nextSlot = slot + spacingMs;
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
  };
}

/**
 * Sends queued text messages. Each is claimed atomically (so racing dispatchers never share one),
 * its attempt recorded before the provider is called, and a message left in doubt by a dispatcher
 * that stopped mid-send is first looked up at the provider, so a restart never sends it twice.
 */
export function smsDispatcher(deps: DispatcherDeps) {
  const leaseMs = deps.leaseMs ?? 60_000;
  const batchSize = deps.batchSize ?? 200;
  const concurrency = deps.concurrency ?? 16;
  const random = deps.random ?? Math.random;
  const pace = pacer(deps.maxPerSecond ?? 0);

  function outgoing(row: SmsMessageRow): OutgoingSms {
    const payload: SmsPayload = JSON.parse(deps.cipher.decrypt(SMS_PAYLOAD_FIELD, row.payload_encrypted!));
    return { id: row.id, ...payload, language: row.language === 'cy' ? 'cy' : 'en', createdAt: new Date(row.created_at) };
  }

  async function deliver(row: SmsMessageRow, counts: DispatchCounts): Promise<void> {
    if (!row.payload_encrypted) {
      await deps.outbox.markFailed(row.id, 'no payload to send');
      counts.failed++;
      return;
    }
    const message = outgoing(row);
    try {
      const already = row.in_doubt ? await deps.sender.findSent(message) : undefined;
      if (!already) await pace();
      const providerMessageId = already ?? (await deps.sender.send(message, deps.clock())).providerMessageId;
      await deps.outbox.markSent(row.id, deps.sender.provider, providerMessageId, deps.clock());
      deps.metrics.smsMessages.inc({ status: 'sent' });
      counts.sent++;
    } catch (error) {
      const refusal = error instanceof SmsSendError ? error : new SmsSendError((error as Error).message, false);
      if (refusal.permanent || row.attempts >= deps.maxAttempts) {
        await deps.outbox.markFailed(row.id, refusal.message);
        deps.metrics.smsMessages.inc({ status: 'failed' });
        deps.logger.warn({ messageId: row.id, attempts: row.attempts, error: refusal.message }, 'text message failed');
        counts.failed++;
      } else {
        const next = new Date(deps.clock().getTime() + retryDelayMs(row.attempts, random(), refusal.retryAfterMs));
        await deps.outbox.markRetry(row.id, next, refusal.message);
        deps.metrics.smsMessages.inc({ status: 'retrying' });
        counts.retrying++;
      }
    }
  }

  /**
   * Delivers everything due now. Workers pull from a local queue that is refilled by one claim at a
   * time, ahead of need, so the provider is kept busy across batches; what fails transiently waits
   * for its retry time and a later drain.
   */
  async function drain(): Promise<DispatchCounts> {
    const counts = { sent: 0, retrying: 0, failed: 0 };
    const queue: SmsMessageRow[] = [];
    let exhausted = false;
    let claiming: Promise<void> | undefined;
    const refill = () =>
      (claiming ??= (async () => {
        const now = deps.clock();
        const rows = await deps.outbox.claimDue(now, new Date(now.getTime() + leaseMs), batchSize);
        queue.push(...rows);
        exhausted = rows.length === 0;
      })().finally(() => {
        claiming = undefined;
      }));
    const nextRow = async (): Promise<SmsMessageRow | undefined> => {
      for (;;) {
        if (queue.length > 0) {
          if (queue.length < concurrency && !exhausted) void refill();
          return queue.shift();
        }
        if (exhausted && !claiming) return undefined;
        await refill();
      }
    };
    const worker = async () => {
      for (let row = await nextRow(); row; row = await nextRow()) await deliver(row, counts);
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return counts;
  }

  /** kick() runs a drain now unless one is under way, in which case one more follows it. */
  const job = backgroundJob(
    async () => {
      try {
        await drain();
      } catch (error) {
        deps.logger.error({ err: { name: (error as Error).name, message: (error as Error).message } }, 'sms dispatch failed');
      }
    },
    { kicksBeforeStart: true },
  );

  return { drain, ...job };
}

export type SmsDispatcher = ReturnType<typeof smsDispatcher>;
