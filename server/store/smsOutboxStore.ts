import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { nextDeliveryStatus, type DeliveryStatus } from '../policy/deliveryStatus';
import { isPostgres } from './sqlDialect';
import type { Database, SmsMessagesTable } from './schema';

export type SmsMessageRow = Selectable<SmsMessagesTable>;

/**
 * The outbox's state machine, one atomic statement per step: pending → sending (claimed, attempt
 * recorded before the provider is called) → sent | pending again (retry) | failed. Settled messages
 * lose their payload.
 */
export class SmsOutboxStore {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * Claims up to `limit` due messages for this dispatcher until `leaseUntil`: pending ones whose time
   * has come, and ones left `sending` by a dispatcher that stopped (marked in doubt). On PostgreSQL,
   * SKIP LOCKED lets racing dispatchers take disjoint sets; SQLite has a single writer.
   */
  async claimDue(now: Date, leaseUntil: Date, limit: number): Promise<SmsMessageRow[]> {
    const at = now.toISOString();
    const due = this.db
      .selectFrom('sms_messages')
      .select('id')
      .where((eb) => eb.or([eb.and([eb('status', '=', 'pending'), eb('next_attempt_at', '<=', at)]), eb.and([eb('status', '=', 'sending'), eb('claimed_until', '<=', at)])]))
      .orderBy('next_attempt_at')
      .limit(limit)
      .$if(isPostgres(this.db), (query) => query.forUpdate().skipLocked());
    return this.db
      .updateTable('sms_messages')
      .set((eb) => ({
        in_doubt: eb.case().when('status', '=', 'sending').then(1).else(eb.ref('in_doubt')).end(),
        status: 'sending',
        attempts: eb('attempts', '+', 1),
        claimed_until: leaseUntil.toISOString(),
      }))
      .where('id', 'in', due)
      .where((eb) => eb.or([eb('status', '=', 'pending'), eb.and([eb('status', '=', 'sending'), eb('claimed_until', '<=', at)])]))
      .returningAll()
      .execute();
  }

  async markSent(id: string, provider: string, providerMessageId: string, now: Date): Promise<void> {
    await this.db
      .updateTable('sms_messages')
      .set({ status: 'sent', provider, provider_message_id: providerMessageId, sent_at: now.toISOString(), claimed_until: null, payload_encrypted: null, last_error: null })
      .where('id', '=', id)
      .where('status', '=', 'sending')
      .execute();
  }

  async markRetry(id: string, nextAttemptAt: Date, error: string): Promise<void> {
    await this.db
      .updateTable('sms_messages')
      .set({ status: 'pending', next_attempt_at: nextAttemptAt.toISOString(), claimed_until: null, last_error: error.slice(0, 500) })
      .where('id', '=', id)
      .where('status', '=', 'sending')
      .execute();
  }

  async markFailed(id: string, error: string): Promise<void> {
    await this.db
      .updateTable('sms_messages')
      .set({ status: 'failed', claimed_until: null, payload_encrypted: null, last_error: error.slice(0, 500) })
      .where('id', '=', id)
      .where('status', '=', 'sending')
      .execute();
  }

  /**
   * Records a delivery receipt if it moves the message forward; stale or repeated receipts and
   * unknown ids change nothing. The conditional update keeps two receipts racing from regressing it.
   */
  async recordDelivery(provider: string, providerMessageId: string, incoming: DeliveryStatus, now: Date): Promise<'updated' | 'unchanged' | 'unknown'> {
    const row = await this.db
      .selectFrom('sms_messages')
      .select(['id', 'delivery_status'])
      .where('provider', '=', provider)
      .where('provider_message_id', '=', providerMessageId)
      .executeTakeFirst();
    if (!row) return 'unknown';
    const next = nextDeliveryStatus(row.delivery_status as DeliveryStatus | null, incoming);
    if (!next) return 'unchanged';
    const result = await this.db
      .updateTable('sms_messages')
      .set({ delivery_status: next, delivery_status_at: now.toISOString() })
      .where('id', '=', row.id)
      .where((eb) => (row.delivery_status === null ? eb('delivery_status', 'is', null) : eb('delivery_status', '=', row.delivery_status)))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1 ? 'updated' : 'unchanged';
  }

  /** The newest message for a link, for staff: dispatch status, delivery status, segments. */
  async latestForLink(linkId: string): Promise<SmsMessageRow | undefined> {
    return this.db.selectFrom('sms_messages').selectAll().where('link_id', '=', linkId).orderBy('created_at', 'desc').executeTakeFirst();
  }

  async find(id: string): Promise<SmsMessageRow | undefined> {
    return this.db.selectFrom('sms_messages').selectAll().where('id', '=', id).executeTakeFirst();
  }

  async countByStatus(): Promise<Record<string, number>> {
    const rows = await this.db.selectFrom('sms_messages').select(['status', sql<number>`count(*)`.as('count')]).groupBy('status').execute();
    return Object.fromEntries(rows.map((row) => [row.status, Number(row.count)]));
  }
}

/** The text message that carries a new link, queued in the link's own transaction. */
export interface QueuedMessage {
  language: string;
  payloadEncrypted: string;
  encoding: string;
  segments: number;
}

/** Queues a new link's text message, due at once, in the link's own transaction; returns its id. */
export async function queueMessage(trx: Transaction<Database>, link: { linkId: string; recordingId: string; at: string }, message: QueuedMessage): Promise<string> {
  const messageId = randomUUID();
  await trx
    .insertInto('sms_messages')
    .values({
      id: messageId,
      link_id: link.linkId,
      recording_id: link.recordingId,
      language: message.language,
      payload_encrypted: message.payloadEncrypted,
      encoding: message.encoding,
      segments: message.segments,
      status: 'pending',
      next_attempt_at: link.at,
      claimed_until: null,
      last_error: null,
      provider: null,
      provider_message_id: null,
      delivery_status: null,
      delivery_status_at: null,
      created_at: link.at,
      sent_at: null,
    })
    .execute();
  return messageId;
}
