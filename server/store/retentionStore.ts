import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { availableInSql } from '../policy/recordingAvailability';
import type { AuditChain } from './auditChain';
import type { Database } from './schema';

/**
 * Retention and legal holds. A tombstone and a deletion request each end the recording's links and
 * texts in the same transaction as the change to the recording, so no link outlives them; a hold
 * placed meanwhile makes the tombstone refuse, in the same statement that would delete.
 */
export class RetentionStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditChain,
  ) {}

  /** Recordings the retention sweep must look at: past their date or asked to be deleted, not yet gone. */
  async dueForRetention(now: Date) {
    return this.db
      .selectFrom('recordings')
      .select((eb) => [
        'id',
        'assessment_ref',
        'object_key',
        'listening_object_key',
        'sha256',
        'retain_until',
        'deletion_requested_at',
        eb.exists(eb.selectFrom('legal_holds').select('id').whereRef('legal_holds.recording_id', '=', 'recordings.id').where('lifted_at', 'is', null)).as('held'),
      ])
      // Not yet gone, and no longer available: past its date or asked to be deleted.
      .where((eb) => eb.and([eb('deleted_at', 'is', null), eb.not(availableInSql(eb, now))]))
      .orderBy('retain_until')
      .execute();
  }

  /**
   * Leaves a tombstone: the reference, dates, reason and SHA-256 stay so staff and auditors can say
   * what happened; the NINO hash, blind index and phone number go; every link is revoked and every
   * message's payload erased. Refuses (returns false) if a legal hold was placed in the meantime.
   */
  async tombstoneRecording(recordingId: string, reason: string, now: Date, actor: string): Promise<boolean> {
    return this.audit.atomically(async (trx, audit) => {
      const at = now.toISOString();
      const deleted = await trx
        .updateTable('recordings')
        .set({ deleted_at: at, deletion_reason: reason, nino_hash: null, nino_index: null, phone_encrypted: null })
        .where('id', '=', recordingId)
        .where('deleted_at', 'is', null)
        .where((eb) => eb.not(eb.exists(eb.selectFrom('legal_holds').select('id').where('recording_id', '=', recordingId).where('lifted_at', 'is', null))))
        .returning(['sha256', 'assessment_ref'])
        .executeTakeFirst();
      if (!deleted) return false;
      await trx.updateTable('links').set({ revoked_at: at, revoked_reason: 'recording deleted' }).where('recording_id', '=', recordingId).where('revoked_at', 'is', null).execute();
      await trx.updateTable('sms_messages').set({ status: 'superseded' }).where('recording_id', '=', recordingId).where('status', '=', 'pending').execute();
      await trx.updateTable('sms_messages').set({ payload_encrypted: null }).where('recording_id', '=', recordingId).execute();
      await audit(now, { type: 'recording.deleted', actor, recordingId, detail: { reason, sha256: deleted.sha256 } });
      return true;
    });
  }

  async placeLegalHold(recordingId: string, reason: string, now: Date, actor: string): Promise<string> {
    return this.audit.atomically(async (trx, audit) => {
      const id = randomUUID();
      await trx
        .insertInto('legal_holds')
        .values({ id, recording_id: recordingId, reason, placed_by: actor, placed_at: now.toISOString(), lifted_by: null, lifted_at: null, lift_reason: null })
        .execute();
      await audit(now, { type: 'legal-hold.placed', actor, recordingId, detail: { holdId: id, reason } });
      return id;
    });
  }

  /** Lifts every hold standing on the recording; returns how many were lifted. */
  async liftLegalHolds(recordingId: string, reason: string, now: Date, actor: string): Promise<number> {
    return this.audit.atomically(async (trx, audit) => {
      const lifted = await trx
        .updateTable('legal_holds')
        .set({ lifted_by: actor, lifted_at: now.toISOString(), lift_reason: reason })
        .where('recording_id', '=', recordingId)
        .where('lifted_at', 'is', null)
        .returning('id')
        .execute();
      for (const { id } of lifted) await audit(now, { type: 'legal-hold.lifted', actor, recordingId, detail: { holdId: id, reason } });
      return lifted.length;
    });
  }

  async activeLegalHolds(recordingId: string) {
    return this.db.selectFrom('legal_holds').selectAll().where('recording_id', '=', recordingId).where('lifted_at', 'is', null).execute();
  }

  async requestDeletion(recordingId: string, reason: string, now: Date, actor: string): Promise<boolean> {
    return this.audit.atomically(async (trx, audit) => {
      const requested = await trx
        .updateTable('recordings')
        .set({ deletion_requested_at: now.toISOString(), deletion_requested_by: actor, deletion_request_reason: reason })
        .where('id', '=', recordingId)
        .where('deleted_at', 'is', null)
        .where('deletion_requested_at', 'is', null)
        .returning('id')
        .executeTakeFirst();
      if (!requested) return false;
      // A text still waiting would send the claimant a link that opens on "no longer available".
      await trx
        .updateTable('sms_messages')
        .set({ status: 'superseded', payload_encrypted: null })
        .where('recording_id', '=', recordingId)
        .where('status', '=', 'pending')
        .execute();
      await audit(now, { type: 'deletion.requested', actor, recordingId, detail: { reason } });
      return true;
    });
  }
}
