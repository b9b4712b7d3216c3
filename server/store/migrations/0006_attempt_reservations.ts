import type { Kysely, Migration } from 'kysely';

/**
 * NINO attempts are reserved before they are weighed (so parallel guesses cannot outrun the lock),
 * and each link carries a session generation that an unlock moves on (so a session issued before
 * the unlock opens nothing after it).
 */
export const attemptReservations: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('links').addColumn('attempts_in_flight', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('links').addColumn('attempts_reserved_at', 'text').execute();
    await db.schema.alterTable('links').addColumn('session_generation', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  },
};
