import type { Kysely, Selectable, Transaction } from 'kysely';
import { chainHash } from '../policy/auditChain';
import { isPostgres } from './sqlDialect';
import type { AuditEventsTable, Database } from './schema';
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

/** Appends an event to the chain inside the transaction it was given with. */
export type AuditInTransaction = (at: Date, event: AuditEvent) => Promise<void>;

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

/**
 * The hash-chained audit log. Every change that is audited commits with its events in one
 * transaction opened here (`atomically`), so the other stores never write an unaudited change or an
 * event for a change that did not happen.
 */
export class AuditChain {
  /**
   * @param onEvent told of each audit event once its transaction has committed (metrics count them).
   */
  constructor(
    private readonly db: Kysely<Database>,
    private readonly onEvent: (type: AuditType) => void = () => {},
  ) {}

  /** Events waiting for the next group commit (see recordEvent). */
  private queuedEvents: QueuedEvent[] = [];
  private eventCommits: Promise<void> | undefined;

  /** Waits for the group commit under way, if any (the database is closed by its opener). */
  async close(): Promise<void> {
    await this.eventCommits;
  }

  /** Runs `work` in one transaction and reports its audit events only after it has committed. */
  async atomically<T>(work: (trx: Transaction<Database>, audit: AuditInTransaction) => Promise<T>): Promise<T> {
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

  async auditTrail(filter: { linkId?: string; recordingId?: string }): Promise<Array<Selectable<AuditEventsTable>>> {
    let query = this.db.selectFrom('audit_events').selectAll().orderBy('id');
    if (filter.linkId) query = query.where('link_id', '=', filter.linkId);
    if (filter.recordingId) query = query.where('recording_id', '=', filter.recordingId);
    return query.execute();
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
}
