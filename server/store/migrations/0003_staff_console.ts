import type { Kysely, Migration } from 'kysely';

/**
 * Support staff accounts and their server-side sessions (so sign-out and the idle and absolute
 * limits hold on every instance), and the assessment providers' organisations and API keys.
 * Plain column types shared by SQLite and PostgreSQL; timestamps are ISO text like the rest.
 */
export const staffConsole: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('staff_accounts')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('email', 'text', (c) => c.notNull().unique())
      .addColumn('role', 'text', (c) => c.notNull())
      .addColumn('password_hash', 'text', (c) => c.notNull())
      .addColumn('totp_secret_encrypted', 'text', (c) => c.notNull())
      // The last TOTP time step accepted: a code from that step or earlier is a replay.
      .addColumn('last_totp_step', 'integer')
      .addColumn('failed_signins', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('locked_at', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('staff_sessions')
      // SHA-256 of the cookie's random value: a copy of the table cannot be replayed as a cookie.
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('staff_id', 'text', (c) => c.notNull().references('staff_accounts.id'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('last_seen_at', 'text', (c) => c.notNull())
      .addColumn('ended_at', 'text')
      .execute();
    await db.schema.createIndex('staff_sessions_staff_id').on('staff_sessions').column('staff_id').execute();

    await db.schema
      .createTable('providers')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('name', 'text', (c) => c.notNull().unique())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .execute();

    await db.schema
      .createTable('provider_api_keys')
      .addColumn('key_hash', 'text', (c) => c.primaryKey())
      .addColumn('provider_id', 'text', (c) => c.notNull().references('providers.id'))
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('revoked_at', 'text')
      .execute();

    // Which provider registered a recording: the API shows each provider only its own.
    await db.schema
      .createTable('provider_recordings')
      .addColumn('recording_id', 'text', (c) => c.primaryKey())
      .addColumn('provider_id', 'text', (c) => c.notNull().references('providers.id'))
      .execute();

    await db.schema
      .createTable('idempotency_keys')
      .addColumn('provider_id', 'text', (c) => c.notNull())
      .addColumn('key', 'text', (c) => c.notNull())
      .addColumn('request_fingerprint', 'text', (c) => c.notNull())
      // Null while the first request is still being processed.
      .addColumn('status_code', 'integer')
      .addColumn('response_body', 'text')
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('idempotency_keys_pk', ['provider_id', 'key'])
      .execute();
  },
};
