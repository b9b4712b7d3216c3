import { sql, type Kysely, type Migration } from 'kysely';
import { chainHash, GENESIS_HASH, type ChainedEvent } from '../../policy/auditChain';
import type { SqlDialect } from '../sqlDialect';

/**
 * Data protection: a hash chain over the audit log (with the chain's head in a row of its own, and
 * triggers that refuse to update or delete an event), legal holds, deletion requests, signed
 * manifests, and leases so only one instance runs the retention sweep at a time.
 */
export function dataProtection(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('audit_events').addColumn('prev_hash', 'text').execute();
      await db.schema.alterTable('audit_events').addColumn('hash', 'text').execute();
      let previous = GENESIS_HASH;
      const existing = await db.selectFrom('audit_events').selectAll().orderBy('id').execute();
      for (const event of existing) {
        const hash = chainHash(previous, event as ChainedEvent);
        await db.updateTable('audit_events').set({ prev_hash: previous, hash }).where('id', '=', event.id).execute();
        previous = hash;
      }
      await db.schema
        .createTable('audit_chain')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('last_hash', 'text', (c) => c.notNull())
        .execute();
      await db.insertInto('audit_chain').values({ id: 1, last_hash: previous }).execute();

      if (dialect === 'postgres') {
        await sql`create function audit_events_append_only() returns trigger language plpgsql as $$
          begin raise exception 'audit_events is append-only'; end $$`.execute(db);
        await sql`create trigger audit_events_append_only before update or delete on audit_events
          for each row execute function audit_events_append_only()`.execute(db);
      } else {
        await sql`create trigger audit_events_no_update before update on audit_events
          begin select raise(abort, 'audit_events is append-only'); end`.execute(db);
        await sql`create trigger audit_events_no_delete before delete on audit_events
          begin select raise(abort, 'audit_events is append-only'); end`.execute(db);
      }

      await db.schema
        .createTable('legal_holds')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id'))
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('placed_by', 'text', (c) => c.notNull())
        .addColumn('placed_at', 'text', (c) => c.notNull())
        .addColumn('lifted_by', 'text')
        .addColumn('lifted_at', 'text')
        .addColumn('lift_reason', 'text')
        .execute();
      await db.schema.createIndex('legal_holds_recording_id').on('legal_holds').column('recording_id').execute();

      await db.schema.alterTable('recordings').addColumn('deletion_requested_at', 'text').execute();
      await db.schema.alterTable('recordings').addColumn('deletion_requested_by', 'text').execute();
      await db.schema.alterTable('recordings').addColumn('deletion_request_reason', 'text').execute();
      await db.schema.alterTable('recordings').addColumn('manifest', 'text').execute();
      await db.schema.createIndex('recordings_retain_until').on('recordings').column('retain_until').execute();
      await db.schema.createIndex('recordings_sha256').on('recordings').column('sha256').execute();

      await db.schema
        .createTable('job_leases')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('holder', 'text', (c) => c.notNull())
        .addColumn('lease_until', 'text', (c) => c.notNull())
        .execute();
    },
  };
}
