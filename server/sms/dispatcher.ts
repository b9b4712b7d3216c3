import type { Logger } from 'pino';
import type { Clock } from '../clock';
import type { PortalMetrics } from '../observability/metrics';
import { retryDelayMs } from '../policy/deliveryStatus';
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
  random?: () => number;
}

export interface DispatchCounts {
  sent: number;
  retrying: number;
  failed: number;
}

/**
 * Sends queued text messages. Each is claimed atomically (so racing dispatchers never share one),
 * its attempt recorded before the provider is called, and a message left in doubt by a dispatcher
 * that stopped mid-send is first looked up at the provider, so a restart never sends it twice.
 */
export function smsDispatcher(deps: DispatcherDeps) {
  const leaseMs = deps.leaseMs ?? 60_000;
  const batchSize = deps.batchSize ?? 50;
  const concurrency = deps.concurrency ?? 8;
  const random = deps.random ?? Math.random;

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

  /** Claims one batch of due messages and delivers it; returns how many were claimed. */
  async function runOnce(counts: DispatchCounts = { sent: 0, retrying: 0, failed: 0 }): Promise<number> {
    const now = deps.clock();
    const rows = await deps.outbox.claimDue(now, new Date(now.getTime() + leaseMs), batchSize);
    let next = 0;
    const worker = async () => {
      while (next < rows.length) await deliver(rows[next++], counts);
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, rows.length) }, worker));
    return rows.length;
  }

  /** Delivers everything due now, batch after batch; what fails transiently waits for its retry time. */
  async function drain(): Promise<DispatchCounts> {
    const counts = { sent: 0, retrying: 0, failed: 0 };
    while ((await runOnce(counts)) > 0);
    return counts;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> = Promise.resolve();
  let again = false;

  /** Runs a drain now unless one is under way, in which case one more follows it. */
  function kick(): void {
    if (again) return;
    again = true;
    running = running.then(async () => {
      again = false;
      try {
        await drain();
      } catch (error) {
        deps.logger.error({ err: { name: (error as Error).name, message: (error as Error).message } }, 'sms dispatch failed');
      }
    });
  }

  return {
    runOnce,
    drain,
    kick,
    /** Resolves once the drains started by kick() have finished. */
    settled: () => running.then(() => undefined),
    start(intervalMs: number) {
      timer ??= setInterval(kick, intervalMs);
      timer.unref();
      kick();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}

export type SmsDispatcher = ReturnType<typeof smsDispatcher>;
