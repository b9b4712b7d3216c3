import { randomUUID } from 'node:crypto';
import type { ExpressionBuilder, Kysely, Selectable, Transaction } from 'kysely';
import { chainHash } from '../policy/auditChain';
import { recordingAvailability, type RecordingAvailability } from '../policy/recordingAvailability';
import { nextLinkAllowedAt } from '../policy/textingLimit';
import { isPostgres, pingDatabase } from './database';
import type { AuditEventsTable, Database, LinksTable, ListeningStatus, RecordingsTable } from './schema';
import type { ProviderRecordingsTable } from './staffSchema';
import type { StaffAuditType } from './staffAudit';

export type AuditType =
  | 'recording.registered'
  | 'link.issued'
  | 'link.revoked'
  | 'link.opened'
  | 'nino.verified'
  | 'nino.failed'
  | 'link.locked'
  | 'recording.downloaded'
  | 'recording.deleted'
  | 'legal-hold.placed'
  | 'legal-hold.lifted'
  | 'deletion.requested'
  | 'keys.rotated'
  | StaffAuditType;

export interface AuditEvent {
  type: AuditType;
  actor: string;
  recordingId?: string;
  linkId?: string;
  detail?: Record<string, string | number | boolean | null>;
}

export type NewRecording = Omit<
  RecordingsTable,
  'created_at' | 'deleted_at' | 'deletion_reason' | 'deletion_requested_at' | 'deletion_requested_by' | 'deletion_request_reason' | 'manifest'
> & { manifest?: string | null };
export type RecordingRow = RecordingsTable;
type UnavailableReason = Extract<RecordingAvailability, { available: false }>['reason'];
export type LinkRow = Omit<LinksTable, 'failed_attempts' | 'attempts_in_flight' | 'download_count' | 'session_generation'> & {
  failed_attempts: number;
  attempts_in_flight: number;
  download_count: number;
  session_generation: number;
};

/**
 * How long a reserved NINO attempt may stay in flight. A check takes well under a second; a
 * reservation older than this was lost with the instance that made it (stopped mid-check), and
 * stops counting so the link is not held shut by it.
 */
export const NINO_RESERVATION_LIFETIME_MS = 60_000;

export interface NewLink {
  recordingId: string;
  tokenHash: string;
  keyId: string;
  phoneMasked: string;
  issuedBy: string;
  reason: string;
  /** A corrected number, encrypted: it becomes the number on record only if the link is issued. */
  phoneEncrypted?: string;
}

/** Why a link was not issued; nothing was changed. */
export type LinkRefusal = { refused: 'unavailable'; reason: UnavailableReason } | { refused: 'texting-limit'; nextAllowedAt: Date };

export type IssuedLink = { issued: true; link: LinkRow; messageId: string } | { issued: false; refusal: LinkRefusal };

/** An audit event as a row holds it, before it is chained. */
type AuditContent = Omit<AuditEventsTable, 'id' | 'prev_hash' | 'hash' | 'type'> & { type: AuditType };

function auditContent(at: Date, event: AuditEvent): AuditContent {
  return {
    at: at.toISOString(),
    type: event.type,
    actor: event.actor,
    recording_id: event.recordingId ?? null,
    link_id: event.linkId ?? null,
    detail: JSON.stringify(event.detail ?? {}),
  };
}

interface QueuedEvent {
  content: AuditContent;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Keeps one group commit's multi-row insert well under SQLite's 32,766 bound parameters (8 a row). */
const MAX_EVENTS_PER_COMMIT = 500;

/** The text message that carries a new link, queued in the link's own transaction. */
export interface QueuedMessage {
  language: string;
  payloadEncrypted: string;
  encoding: string;
  segments: number;
}

/**
 * The portal's persistence, one method per thing that must happen atomically. Every rule that two
 * requests could race on (attempt counting, the first download, one-time grants, revocation) is a
 * single conditional statement or one transaction here, never a read-then-write in a route.
 */
export class RecordingStore {
  /**
   * @param onEvent told of each audit event once its transaction has committed (metrics count them).
   */
  constructor(
    readonly db: Kysely<Database>,
    private readonly onEvent: (type: AuditType) => void = () => {},
  ) {}

  /** Events waiting for the next group commit (see recordEvent). */
  private queuedEvents: QueuedEvent[] = [];
  private eventCommits: Promise<void> | undefined;

  async close(): Promise<void> {
    await this.eventCommits;
    await this.db.destroy();
  }

  async ping(): Promise<void> {
    await pingDatabase(this.db);
  }

  /** Runs `work` in one transaction and reports its audit events only after it has committed. */
  private async atomically<T>(work: (trx: Transaction<Database>, audit: (at: Date, event: AuditEvent) => Promise<void>) => Promise<T>): Promise<T> {
    const events: AuditType[] = [];
    const result = await this.db.transaction().execute((trx) =>
      work(trx, async (at, event) => {
        await this.appendAudit(trx, [auditContent(at, event)]);
        events.push(event.type);
      }),
    );
    events.forEach((type) => this.onEvent(type));
    return result;
  }

  /**
   * Appends events to the hash chain, in order. The chain's head row is read with a row lock
   * (PostgreSQL) or under SQLite's single writer, so concurrent transactions append one after another.
   */
  private async appendAudit(trx: Transaction<Database>, contents: readonly AuditContent[]): Promise<void> {
    const head = await trx
      .selectFrom('audit_chain')
      .select('last_hash')
      .where('id', '=', 1)
      .$if(isPostgres(trx), (query) => query.forUpdate())
      .executeTakeFirstOrThrow();
    let previous = head.last_hash;
    const rows = contents.map((content): Omit<AuditEventsTable, 'id'> => {
      const hash = chainHash(previous, content);
      const row = { ...content, prev_hash: previous, hash };
      previous = hash;
      return row;
    });
    await trx.insertInto('audit_events').values(rows).execute();
    await trx.updateTable('audit_chain').set({ last_hash: previous }).where('id', '=', 1).execute();
  }

  /**
   * An event that is not part of another change (a link opened, a staff sign-in). Resolves once the
   * event is committed. Events recorded in the same turn of the event loop, or while a commit is under
   * way, share one transaction and one hold on the chain's head row (group commit).
   */
  async recordEvent(at: Date, event: AuditEvent): Promise<void> {
    // Built before queuing, so an event that cannot be written fails alone rather than its whole batch.
    const content = auditContent(at, event);
    return new Promise((resolve, reject) => {
      this.queuedEvents.push({ content, resolve, reject });
      // The commit waits for the end of this turn, when every request read in it has queued its event:
      // SQLite answers synchronously, so without the wait no event would ever find a commit under way.
      this.eventCommits ??= new Promise(setImmediate).then(() => this.commitQueuedEvents());
    });
  }

  /** Commits batches until the queue is empty; clears `eventCommits` in the same step that finds it so. */
  private async commitQueuedEvents(): Promise<void> {
    try {
      while (this.queuedEvents.length > 0) {
        const batch = this.queuedEvents.splice(0, MAX_EVENTS_PER_COMMIT);
        try {
          await this.db.transaction().execute((trx) => this.appendAudit(trx, batch.map(({ content }) => content)));
          batch.forEach(({ content, resolve }) => {
            this.onEvent(content.type);
            resolve();
          });
        } catch (error) {
          batch.forEach(({ reject }) => reject(error));
        }
      }
    } finally {
      this.eventCommits = undefined;
    }
  }

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
      .where('deleted_at', 'is', null)
      .where((eb) => eb.or([eb('retain_until', '<=', now.toISOString()), eb('deletion_requested_at', 'is not', null)]))
      .orderBy('retain_until')
      .execute();
  }

  /**
   * Leaves a tombstone: the reference, dates, reason and SHA-256 stay so staff and auditors can say
   * what happened; the NINO hash, blind index and phone number go; every link is revoked and every
   * message's payload erased. Refuses (returns false) if a legal hold was placed in the meantime.
   */
  async tombstoneRecording(recordingId: string, reason: string, now: Date, actor: string): Promise<boolean> {
    return this.atomically(async (trx, audit) => {
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
    return this.atomically(async (trx, audit) => {
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
    return this.atomically(async (trx, audit) => {
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
    return this.atomically(async (trx, audit) => {
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

  /**
   * Takes a named lease until `until` if it is free or has lapsed: one statement, so when several
   * instances try at once exactly one gets it.
   */
  async acquireLease(name: string, holder: string, now: Date, until: Date): Promise<boolean> {
    await this.db.insertInto('job_leases').values({ name, holder: '', lease_until: new Date(0).toISOString() }).onConflict((oc) => oc.column('name').doNothing()).execute();
    const taken = await this.db
      .updateTable('job_leases')
      .set({ holder, lease_until: until.toISOString() })
      .where('name', '=', name)
      .where((eb) => eb.or([eb('lease_until', '<=', now.toISOString()), eb('holder', '=', holder)]))
      .executeTakeFirst();
    return Number(taken.numUpdatedRows) === 1;
  }

  async releaseLease(name: string, holder: string): Promise<void> {
    await this.db.updateTable('job_leases').set({ lease_until: new Date(0).toISOString() }).where('name', '=', name).where('holder', '=', holder).execute();
  }

  /** Every audit event in order, for `audit verify` and `audit export`. */
  auditEvents(range: { from?: Date; to?: Date } = {}) {
    return this.db
      .selectFrom('audit_events')
      .selectAll()
      .$if(range.from !== undefined, (query) => query.where('at', '>=', range.from!.toISOString()))
      .$if(range.to !== undefined, (query) => query.where('at', '<', range.to!.toISOString()))
      .orderBy('id')
      .execute();
  }

  /**
   * @param providerId the assessment provider that sent it through the API, recorded as its owner in
   *   the same transaction: a recording the provider could not see would also block its retry (the
   *   reference is taken).
   */
  async addRecording(recording: NewRecording, now: Date, actor: string, providerId?: string): Promise<void> {
    await this.atomically(async (trx, audit) => {
      await trx
        .insertInto('recordings')
        .values({ ...recording, created_at: now.toISOString(), deleted_at: null, deletion_reason: null })
        .execute();
      if (providerId !== undefined) {
        await trx
          .withTables<{ provider_recordings: ProviderRecordingsTable }>()
          .insertInto('provider_recordings')
          .values({ recording_id: recording.id, provider_id: providerId })
          .execute();
      }
      await audit(now, {
        type: 'recording.registered',
        actor,
        recordingId: recording.id,
        detail: { sha256: recording.sha256, sizeBytes: recording.size_bytes },
      });
    });
  }

  async findRecording(id: string): Promise<RecordingRow | undefined> {
    return this.db.selectFrom('recordings').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The recording (or its tombstone) whose audio has this SHA-256, for /verify. */
  async findRecordingBySha256(sha256: string): Promise<RecordingRow | undefined> {
    return this.db.selectFrom('recordings').selectAll().where('sha256', '=', sha256).orderBy('created_at').executeTakeFirst();
  }

  async findRecordingByRef(assessmentRef: string): Promise<RecordingRow | undefined> {
    return this.db.selectFrom('recordings').selectAll().where('assessment_ref', '=', assessmentRef).executeTakeFirst();
  }

  /**
   * Issues a link and queues its text message, in one transaction that also revokes every earlier
   * link for the recording and supersedes any of their messages still waiting to be sent. The
   * recording is read and held first, so a deletion request committed before this sees the link
   * refused, and one made during it waits for it (and then supersedes its message); the texting limit
   * is counted under the same hold.
   */
  async issueLink(link: NewLink, message: QueuedMessage, now: Date): Promise<IssuedLink> {
    return this.atomically(async (trx, audit) => {
      const at = now.toISOString();
      const recording = await this.holdRecording(trx, link.recordingId);
      const availability = recordingAvailability(recording, now);
      if (!availability.available) return { issued: false, refusal: { refused: 'unavailable', reason: availability.reason } };
      // Counted under the recording's hold, so links asked for at once cannot all see room for one more.
      const earlier = await trx.selectFrom('links').select('sent_at').where('recording_id', '=', link.recordingId).execute();
      const nextAllowedAt = nextLinkAllowedAt(earlier.map((row) => new Date(row.sent_at)), now);
      if (nextAllowedAt) return { issued: false, refusal: { refused: 'texting-limit', nextAllowedAt } };
      if (link.phoneEncrypted !== undefined) {
        await trx.updateTable('recordings').set({ phone_encrypted: link.phoneEncrypted }).where('id', '=', link.recordingId).execute();
      }
      await trx
        .updateTable('sms_messages')
        .set({ status: 'superseded', payload_encrypted: null })
        .where('recording_id', '=', link.recordingId)
        .where('status', '=', 'pending')
        .execute();
      const revoked = await trx
        .updateTable('links')
        .set({ revoked_at: at, revoked_reason: 'replaced by a newer link' })
        .where('recording_id', '=', link.recordingId)
        .where('revoked_at', 'is', null)
        .returning('id')
        .execute();
      for (const { id } of revoked) {
        await audit(now, { type: 'link.revoked', actor: link.issuedBy, recordingId: link.recordingId, linkId: id, detail: { reason: 'replaced' } });
      }
      const row: LinkRow = {
        id: randomUUID(),
        recording_id: link.recordingId,
        token_hash: link.tokenHash,
        key_id: link.keyId,
        phone_masked: link.phoneMasked,
        sent_at: at,
        issued_by: link.issuedBy,
        reason: link.reason,
        failed_attempts: 0,
        attempts_in_flight: 0,
        attempts_reserved_at: null,
        locked_at: null,
        first_download_at: null,
        download_count: 0,
        revoked_at: null,
        revoked_reason: null,
        session_generation: 0,
      };
      await trx.insertInto('links').values(row).execute();
      const messageId = randomUUID();
      await trx
        .insertInto('sms_messages')
        .values({
          id: messageId,
          link_id: row.id,
          recording_id: link.recordingId,
          language: message.language,
          payload_encrypted: message.payloadEncrypted,
          encoding: message.encoding,
          segments: message.segments,
          status: 'pending',
          next_attempt_at: at,
          claimed_until: null,
          last_error: null,
          provider: null,
          provider_message_id: null,
          delivery_status: null,
          delivery_status_at: null,
          created_at: at,
          sent_at: null,
        })
        .execute();
      await audit(now, { type: 'link.issued', actor: link.issuedBy, recordingId: link.recordingId, linkId: row.id, detail: { reason: link.reason } });
      return { issued: true, link: row, messageId };
    });
  }

  /**
   * Reads a recording's dates and holds its row until the transaction ends. PostgreSQL: a row lock,
   * which a deletion request's update waits for. SQLite: the database's one write lock, taken by the
   * first statement being a write (a transaction that read first could not write after another
   * connection, such as the CLI's, had written).
   */
  private async holdRecording(trx: Transaction<Database>, recordingId: string) {
    const columns = ['deleted_at', 'deletion_requested_at', 'retain_until'] as const;
    const held = isPostgres(trx)
      ? await trx.selectFrom('recordings').select(columns).where('id', '=', recordingId).forUpdate().executeTakeFirst()
      : await trx.updateTable('recordings').set((eb) => ({ language: eb.ref('language') })).where('id', '=', recordingId).returning(columns).executeTakeFirst();
    if (!held) throw new Error(`no recording ${recordingId}`);
    return held;
  }

  async findLinkByTokenHash(tokenHash: string): Promise<{ link: LinkRow; recording: RecordingRow } | undefined> {
    const link = await this.db.selectFrom('links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    if (!link) return undefined;
    const recording = await this.db.selectFrom('recordings').selectAll().where('id', '=', link.recording_id).executeTakeFirstOrThrow();
    return { link, recording };
  }

  async findLink(id: string): Promise<LinkRow | undefined> {
    return this.db.selectFrom('links').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * Unlocks a locked link and resets its wrong-NINO count, with the staff member's audit event in
   * the same transaction. The session generation moves on, so a session issued before the unlock
   * (to whoever guessed the NINO while the link was open) opens nothing after it. A link that is not
   * locked, or has been replaced, is left unchanged.
   */
  async unlockLink(linkId: string, now: Date, actor: string, reason: string): Promise<boolean> {
    return this.atomically(async (trx, audit) => {
      const unlocked = await trx
        .updateTable('links')
        .set((eb) => ({
          locked_at: null,
          failed_attempts: 0,
          attempts_in_flight: 0,
          attempts_reserved_at: null,
          session_generation: eb('session_generation', '+', 1),
        }))
        .where('id', '=', linkId)
        .where('locked_at', 'is not', null)
        .where('revoked_at', 'is', null)
        .returning('recording_id')
        .executeTakeFirst();
      if (!unlocked) return false;
      await audit(now, { type: 'link.unlocked', actor, recordingId: unlocked.recording_id, linkId, detail: { reason } });
      return true;
    });
  }

  /**
   * Reserves one NINO attempt before the guess is weighed, in one conditional statement: refused once
   * the failures plus the checks in flight reach the limit, so at most `maxAttempts` guesses are ever
   * weighed per link however many arrive at once, on any number of instances. Reservations made more
   * than NINO_RESERVATION_LIFETIME_MS before the latest were lost with their instance and count as
   * none. Returns the link's session generation, or undefined when refused.
   */
  async reserveNinoAttempt(linkId: string, now: Date, maxAttempts: number): Promise<{ sessionGeneration: number } | undefined> {
    const lostBefore = new Date(now.getTime() - NINO_RESERVATION_LIFETIME_MS).toISOString();
    const reserved = await this.db
      .updateTable('links')
      .set((eb) => ({ attempts_in_flight: eb(this.liveReservations(eb, lostBefore), '+', 1), attempts_reserved_at: now.toISOString() }))
      .where('id', '=', linkId)
      .where('locked_at', 'is', null)
      .where((eb) => eb(eb('failed_attempts', '+', this.liveReservations(eb, lostBefore)), '<', maxAttempts))
      .returning('session_generation')
      .executeTakeFirst();
    return reserved && { sessionGeneration: reserved.session_generation };
  }

  private liveReservations(eb: ExpressionBuilder<Database, 'links'>, lostBefore: string) {
    return eb
      .case()
      .when(eb.or([eb('attempts_reserved_at', 'is', null), eb('attempts_reserved_at', '<=', lostBefore)]))
      .then(eb.lit(0))
      .else(eb.ref('attempts_in_flight'))
      .end();
  }

  /** Gives back a reserved attempt: its guess was right, or could not be weighed. */
  async releaseNinoAttempt(linkId: string): Promise<void> {
    await this.db
      .updateTable('links')
      .set((eb) => ({ attempts_in_flight: this.oneFewerInFlight(eb) }))
      .where('id', '=', linkId)
      .execute();
  }

  private oneFewerInFlight(eb: ExpressionBuilder<Database, 'links'>) {
    return eb.case().when('attempts_in_flight', '>', 0).then(eb('attempts_in_flight', '-', 1)).else(eb.lit(0)).end();
  }

  /**
   * Turns a reserved attempt into a wrong NINO in one conditional statement, and locks the link when
   * the count reaches the limit. A link that is already locked is left unchanged.
   */
  async recordWrongNino(linkId: string, now: Date, maxAttempts: number): Promise<{ failedAttempts: number; locked: boolean }> {
    return this.atomically(async (trx, audit) => {
      const at = now.toISOString();
      const updated = await trx
        .updateTable('links')
        .set((eb) => ({
          failed_attempts: eb('failed_attempts', '+', 1),
          attempts_in_flight: this.oneFewerInFlight(eb),
          locked_at: eb.case().when('failed_attempts', '>=', maxAttempts - 1).then(at).else(null).end(),
        }))
        .where('id', '=', linkId)
        .where('locked_at', 'is', null)
        .returning(['recording_id', 'failed_attempts', 'locked_at'])
        .executeTakeFirst();
      if (!updated) return { failedAttempts: maxAttempts, locked: true };
      const locked = updated.locked_at !== null;
      await audit(now, { type: 'nino.failed', actor: 'claimant', recordingId: updated.recording_id, linkId, detail: { attempt: updated.failed_attempts } });
      if (locked) await audit(now, { type: 'link.locked', actor: 'claimant', recordingId: updated.recording_id, linkId });
      return { failedAttempts: updated.failed_attempts, locked };
    });
  }

  /**
   * Redeems a one-time download grant and records the download, atomically. Returns false when the
   * grant was already used or the link stopped being usable in the meantime (revoked, locked, or its
   * window closed: `sentAfter` and `firstDownloadAfter` are the earliest send and first-download
   * times still inside it).
   */
  async redeemDownload(input: {
    grantId: string;
    linkId: string;
    now: Date;
    sentAfter: Date;
    firstDownloadAfter: Date;
    device: string;
  }): Promise<{ ok: true; firstDownloadAt: Date; downloadCount: number } | { ok: false }> {
    return this.atomically(async (trx, audit) => {
      const at = input.now.toISOString();
      const redeemed = await trx
        .insertInto('redeemed_grants')
        .values({ grant_id: input.grantId, link_id: input.linkId, redeemed_at: at })
        .onConflict((oc) => oc.column('grant_id').doNothing())
        .returning('grant_id')
        .executeTakeFirst();
      if (!redeemed) return { ok: false };
      const link = await trx
        .updateTable('links')
        .set((eb) => ({
          first_download_at: eb.fn.coalesce('first_download_at', eb.val(at)),
          download_count: eb('download_count', '+', 1),
        }))
        .where('id', '=', input.linkId)
        .where('revoked_at', 'is', null)
        .where('locked_at', 'is', null)
        .where('sent_at', '>', input.sentAfter.toISOString())
        .where((eb) => eb.or([eb('first_download_at', 'is', null), eb('first_download_at', '>', input.firstDownloadAfter.toISOString())]))
        .returning(['recording_id', 'first_download_at', 'download_count'])
        .executeTakeFirst();
      if (!link || !link.first_download_at) return { ok: false };
      await audit(input.now, {
        type: 'recording.downloaded',
        actor: 'claimant',
        recordingId: link.recording_id,
        linkId: input.linkId,
        detail: { download: link.download_count, device: input.device },
      });
      return { ok: true, firstDownloadAt: new Date(link.first_download_at), downloadCount: link.download_count };
    });
  }

  async auditTrail(filter: { linkId?: string; recordingId?: string }): Promise<Array<Selectable<AuditEventsTable>>> {
    let query = this.db.selectFrom('audit_events').selectAll().orderBy('id');
    if (filter.linkId) query = query.where('link_id', '=', filter.linkId);
    if (filter.recordingId) query = query.where('recording_id', '=', filter.recordingId);
    return query.execute();
  }

  /*
   * Listening copies. A recording is claimed for its copy in one conditional UPDATE (re-checked
   * against the row as it is when the write happens), so two instances never make the same copy; a
   * claim older than `staleBefore` was left by an instance that stopped, and is taken over.
   */

  /** The next recording whose listening copy is to be decided or made, claimed for `claimId`. */
  async claimListeningCopy(claimId: string, now: Date, staleBefore: Date, retryNoFfmpeg: boolean): Promise<RecordingRow | undefined> {
    const at = now.toISOString();
    const waiting = (eb: ExpressionBuilder<Database, 'recordings'>) =>
      eb.and([
        eb('deleted_at', 'is', null),
        eb('deletion_requested_at', 'is', null),
        eb('retain_until', '>', at),
        eb.or([
          eb('listening_status', '=', 'pending'),
          ...(retryNoFfmpeg ? [eb('listening_status', '=', 'no-ffmpeg')] : []),
          eb.and([eb('listening_status', '=', 'making'), eb('listening_claimed_at', '<=', staleBefore.toISOString())]),
        ]),
      ]);
    for (;;) {
      const next = await this.db.selectFrom('recordings').select('id').where(waiting).orderBy('created_at').limit(1).executeTakeFirst();
      if (!next) return undefined;
      const claimed = await this.db
        .updateTable('recordings')
        .set({ listening_status: 'making', listening_claimed_at: at, listening_claim_id: claimId })
        .where('id', '=', next.id)
        .where(waiting)
        .returningAll()
        .executeTakeFirst();
      // Taken by another instance between the two statements: look for the next one.
      if (claimed) return claimed;
    }
  }

  /**
   * Settles a claim ('pending' gives it back). Nothing changes (false) when the claim was taken over or the recording is
   * going (deleted, asked to be, or past its date, so the sweep may already have read it without a
   * copy): a copy made meanwhile must then be deleted by its maker.
   */
  async settleListeningCopy(
    recordingId: string,
    claimId: string,
    now: Date,
    outcome:
      | { status: Exclude<ListeningStatus, 'making' | 'made'>; error?: string }
      | { status: 'made'; objectKey: string; contentType: string; sizeBytes: number; sha256: string; durationSeconds: number; manifest: string },
  ): Promise<boolean> {
    const values =
      outcome.status === 'made'
        ? {
            listening_status: outcome.status,
            listening_object_key: outcome.objectKey,
            listening_content_type: outcome.contentType,
            listening_size_bytes: outcome.sizeBytes,
            listening_sha256: outcome.sha256,
            listening_duration_seconds: outcome.durationSeconds,
            listening_error: null,
            manifest: outcome.manifest,
          }
        : { listening_status: outcome.status, listening_error: outcome.error ?? null };
    const settled = await this.db
      .updateTable('recordings')
      .set({ ...values, listening_claimed_at: null, listening_claim_id: null })
      .where('id', '=', recordingId)
      .where('listening_status', '=', 'making')
      .where('listening_claim_id', '=', claimId)
      .where('deleted_at', 'is', null)
      .where('deletion_requested_at', 'is', null)
      .where('retain_until', '>', now.toISOString())
      .executeTakeFirst();
    return Number(settled.numUpdatedRows) === 1;
  }

  /** The recording (or its tombstone) whose original or listening copy has this SHA-256, for /verify. */
  async findRecordingByEitherSha256(sha256: string): Promise<RecordingRow | undefined> {
    return this.db
      .selectFrom('recordings')
      .selectAll()
      .where((eb) => eb.or([eb('sha256', '=', sha256), eb('listening_sha256', '=', sha256)]))
      .orderBy('created_at')
      .executeTakeFirst();
  }
}
