import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { staffConsole } from './migrations/0003_staff_console';
import { dataProtection } from './migrations/0004_data_protection';
import { audioFacts } from './migrations/0005_audio_facts';
import { attemptReservations } from './migrations/0006_attempt_reservations';
import { staffSignIn } from './migrations/0007_staff_signin';
import { listeningCopies } from './migrations/0008_listening_copies';
import { transcripts } from './migrations/0009_transcripts';
import { idempotencyLeases } from './migrations/0010_idempotency_leases';
import type { SqlDialect } from './sqlDialect';

/**
 * Migrations are code, written once for both databases: plain column types that SQLite and
 * PostgreSQL share, with the one difference (how an integer key counts up) decided by dialect.
 */
function initialSchema(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('recordings')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('assessment_ref', 'text', (c) => c.notNull().unique())
        .addColumn('recorded_at', 'text', (c) => c.notNull())
        .addColumn('retain_until', 'text', (c) => c.notNull())
        .addColumn('object_key', 'text', (c) => c.notNull())
        .addColumn('content_type', 'text', (c) => c.notNull())
        .addColumn('size_bytes', 'integer', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('duration_seconds', 'integer')
        .addColumn('nino_hash', 'text')
        .addColumn('nino_index', 'text')
        .addColumn('phone_encrypted', 'text')
        .addColumn('language', 'text', (c) => c.notNull().defaultTo('en'))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('deleted_at', 'text')
        .addColumn('deletion_reason', 'text')
        .execute();
      await db.schema.createIndex('recordings_nino_index').on('recordings').column('nino_index').execute();

      await db.schema
        .createTable('links')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id'))
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('phone_masked', 'text', (c) => c.notNull())
        .addColumn('sent_at', 'text', (c) => c.notNull())
        .addColumn('issued_by', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('failed_attempts', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('locked_at', 'text')
        .addColumn('first_download_at', 'text')
        .addColumn('download_count', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('revoked_at', 'text')
        .addColumn('revoked_reason', 'text')
        .execute();
      await db.schema.createIndex('links_recording_id').on('links').column('recording_id').execute();

      await db.schema
        .createTable('redeemed_grants')
        .addColumn('grant_id', 'text', (c) => c.primaryKey())
        .addColumn('link_id', 'text', (c) => c.notNull().references('links.id'))
        .addColumn('redeemed_at', 'text', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('audit_events')
        .addColumn('id', 'integer', (c) =>
          dialect === 'postgres' ? c.generatedAlwaysAsIdentity().primaryKey() : c.autoIncrement().primaryKey(),
        )
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('recording_id', 'text')
        .addColumn('link_id', 'text')
        .addColumn('detail', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_events_link_id').on('audit_events').column('link_id').execute();
      await db.schema.createIndex('audit_events_recording_id').on('audit_events').column('recording_id').execute();
    },
  };
}

/**
 * The durable SMS outbox: a message is written in the same transaction as its link and sent later
 * by a dispatcher. Its payload (number, text, link) is encrypted and erased once it is settled.
 */
const smsOutbox: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('sms_messages')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('link_id', 'text', (c) => c.notNull().references('links.id'))
      .addColumn('recording_id', 'text', (c) => c.notNull().references('recordings.id'))
      .addColumn('language', 'text', (c) => c.notNull())
      .addColumn('payload_encrypted', 'text')
      .addColumn('encoding', 'text', (c) => c.notNull())
      .addColumn('segments', 'integer', (c) => c.notNull())
      .addColumn('status', 'text', (c) => c.notNull())
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('next_attempt_at', 'text', (c) => c.notNull())
      .addColumn('claimed_until', 'text')
      .addColumn('in_doubt', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_error', 'text')
      .addColumn('provider', 'text')
      .addColumn('provider_message_id', 'text', (c) => c.unique())
      .addColumn('delivery_status', 'text')
      .addColumn('delivery_status_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('sent_at', 'text')
      .execute();
    await db.schema.createIndex('sms_messages_due').on('sms_messages').columns(['status', 'next_attempt_at']).execute();
    await db.schema.createIndex('sms_messages_link_id').on('sms_messages').column('link_id').execute();
  },
};

export function migrationProvider(dialect: SqlDialect): MigrationProvider {
  return {
    getMigrations: async () => ({
      '0001_initial_schema': initialSchema(dialect),
      '0002_sms_outbox': smsOutbox,
      '0003_staff_console': staffConsole,
      '0004_data_protection': dataProtection(dialect),
      '0005_audio_facts': audioFacts(dialect),
      '0006_attempt_reservations': attemptReservations,
      '0007_staff_signin': staffSignIn,
      '0008_listening_copies': listeningCopies,
      '0009_transcripts': transcripts,
      '0010_idempotency_leases': idempotencyLeases,
    }),
  };
}
