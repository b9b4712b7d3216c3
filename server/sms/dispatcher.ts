import type { Logger } from 'pino';
import type { Clock } from '../clock';
import type { PortalMetrics } from '../observability/metrics';
import { retryDelayMs } from '../policy/deliveryStatus';
import { backgroundJob } from '../backgroundJob';
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

/** The dispatcher's settings, with their defaults filled in, and its dependencies. */
interface Dispatch {
  deps: DispatcherDeps;
  leaseMs: number;
  batchSize: number;
  concurrency: number;
  random: () => number;
  pace: () => Promise<void>;
}

function outgoing(deps: DispatcherDeps, row: SmsMessageRow): OutgoingSms {
  const payload: SmsPayload = JSON.parse(deps.cipher.decrypt(SMS_PAYLOAD_FIELD, row.payload_encrypted!));
  return { id: row.id, ...payload, language: row.language === 'cy' ? 'cy' : 'en', createdAt: new Date(row.created_at) };
}

/** A refused send fails for good if the provider says so or the attempts are spent; otherwise it waits for its retry. */
async function recordRefusal(dispatch: Dispatch, row: SmsMessageRow, error: unknown, counts: DispatchCounts): Promise<void> {
  const { deps } = dispatch;
  const refusal = error instanceof SmsSendError ? error : new SmsSendError((error as Error).message, false);
  if (refusal.permanent || row.attempts >= deps.maxAttempts) {
    await deps.outbox.markFailed(row.id, refusal.message);
    deps.metrics.smsMessages.inc({ status: 'failed' });
    deps.logger.warn({ messageId: row.id, attempts: row.attempts, error: refusal.message }, 'text message failed');
    counts.failed++;
  } else {
    const next = new Date(deps.clock().getTime() + retryDelayMs(row.attempts, dispatch.random(), refusal.retryAfterMs));
    await deps.outbox.markRetry(row.id, next, refusal.message);
    deps.metrics.smsMessages.inc({ status: 'retrying' });
    counts.retrying++;
  }
}

async function deliver(dispatch: Dispatch, row: SmsMessageRow, counts: DispatchCounts): Promise<void> {
  const { deps } = dispatch;
  if (!row.payload_encrypted) {
    await deps.outbox.markFailed(row.id, 'no payload to send');
    counts.failed++;
    return;
  }
  const message = outgoing(deps, row);
  try {
    const already = row.in_doubt ? await deps.sender.findSent(message) : undefined;
    if (!already) await dispatch.pace();
    const providerMessageId = already ?? (await deps.sender.send(message, deps.clock())).providerMessageId;
    await deps.outbox.markSent(row.id, deps.sender.provider, providerMessageId, deps.clock());
    deps.metrics.smsMessages.inc({ status: 'sent' });
    counts.sent++;
  } catch (error) {
    await recordRefusal(dispatch, row, error, counts);
  }
}

/**
 * The messages due now, for workers to take one at a time: a local queue refilled by one claim at
 * a time, ahead of need, so the provider is kept busy across batches. Undefined once none are left.
 */
function dueMessages(dispatch: Dispatch): () => Promise<SmsMessageRow | undefined> {
  const queue: SmsMessageRow[] = [];
  let exhausted = false;
  let claiming: Promise<void> | undefined;
  const refill = () =>
    (claiming ??= (async () => {
      const now = dispatch.deps.clock();
      const rows = await dispatch.deps.outbox.claimDue(now, new Date(now.getTime() + dispatch.leaseMs), dispatch.batchSize);
      queue.push(...rows);
      exhausted = rows.length === 0;
    })().finally(() => {
      claiming = undefined;
    }));
  return async () => {
    for (;;) {
      if (queue.length > 0) {
        if (queue.length < dispatch.concurrency && !exhausted) void refill();
        return queue.shift();
      }
      if (exhausted && !claiming) return undefined;
      await refill();
    }
  };
}

/** Delivers everything due now; what fails transiently waits for its retry time and a later drain. */
async function drain(dispatch: Dispatch): Promise<DispatchCounts> {
  const counts = { sent: 0, retrying: 0, failed: 0 };
  const nextRow = dueMessages(dispatch);
  const worker = async () => {
    for (let row = await nextRow(); row; row = await nextRow()) await deliver(dispatch, row, counts);
  };
  await Promise.all(Array.from({ length: dispatch.concurrency }, worker));
  return counts;
}

/**
 * Sends queued text messages. Each is claimed atomically (so racing dispatchers never share one),
 * its attempt recorded before the provider is called, and a message left in doubt by a dispatcher
 * that stopped mid-send is first looked up at the provider, so a restart never sends it twice.
 */
export function smsDispatcher(deps: DispatcherDeps) {
  const dispatch: Dispatch = {
    deps,
    leaseMs: deps.leaseMs ?? 60_000,
    batchSize: deps.batchSize ?? 200,
    concurrency: deps.concurrency ?? 16,
    random: deps.random ?? Math.random,
    pace: pacer(deps.maxPerSecond ?? 0),
  };

  /** kick() runs a drain now unless one is under way, in which case one more follows it. */
  const job = backgroundJob(
    async () => {
      try {
        await drain(dispatch);
      } catch (error) {
        deps.logger.error({ err: { name: (error as Error).name, message: (error as Error).message } }, 'sms dispatch failed');
      }
    },
    { kicksBeforeStart: true },
  );

  return { drain: () => drain(dispatch), ...job };
}

export type SmsDispatcher = ReturnType<typeof smsDispatcher>;
