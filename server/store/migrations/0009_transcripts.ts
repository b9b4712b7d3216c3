import type { Kysely, Migration } from 'kysely';

/**
 * A recording's transcript (WebVTT), kept in the bucket beside its audio: one current transcript a
 * recording, replaced in place. The row says where the object is, what it holds (its SHA-256, as the
 * manifest does) and who attached it; `source` says how it reached the portal, not how it was made.
 */
export const transcripts: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('transcripts')
      .addColumn('recording_id', 'text', (c) => c.primaryKey().references('recordings.id'))
      .addColumn('object_key', 'text', (c) => c.notNull())
      .addColumn('sha256', 'text', (c) => c.notNull())
      .addColumn('size_bytes', 'integer', (c) => c.notNull())
      .addColumn('cue_count', 'integer', (c) => c.notNull())
      .addColumn('source', 'text', (c) => c.notNull())
      .addColumn('attached_by', 'text', (c) => c.notNull())
      .addColumn('attached_at', 'text', (c) => c.notNull())
      .addColumn('replaced_count', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
  },
};
