import type { Kysely, Migration } from 'kysely';

/**
 * Listening copies (a phone-friendly M4A made beside the original) and the job that makes them. Every
 * recording starts 'pending', those already registered too, so the job looks at each once; a claim
 * ('making', with its time and id) that is old enough was left by an instance that stopped mid-copy.
 */
export const listeningCopies: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('recordings').addColumn('listening_status', 'text', (c) => c.notNull().defaultTo('pending')).execute();
    await db.schema.alterTable('recordings').addColumn('listening_claimed_at', 'text').execute();
    await db.schema.alterTable('recordings').addColumn('listening_claim_id', 'text').execute();
    await db.schema.alterTable('recordings').addColumn('listening_object_key', 'text').execute();
    await db.schema.alterTable('recordings').addColumn('listening_content_type', 'text').execute();
    await db.schema.alterTable('recordings').addColumn('listening_size_bytes', 'integer').execute();
    await db.schema.alterTable('recordings').addColumn('listening_sha256', 'text').execute();
    await db.schema.alterTable('recordings').addColumn('listening_duration_seconds', 'double precision').execute();
    await db.schema.alterTable('recordings').addColumn('listening_error', 'text').execute();
    await db.schema.createIndex('recordings_listening_status').on('recordings').column('listening_status').execute();
    await db.schema.createIndex('recordings_listening_sha256').on('recordings').column('listening_sha256').execute();
  },
};
