import type { Kysely, Migration } from 'kysely';

/**
 * An Idempotency-Key's claim becomes a lease: `holder` names the request that holds it and renews
 * `lease_until` while it runs, so a key whose instance died is free once its lease lapses (within a
 * minute) rather than after the old 75-minute takeover. Rows from before have neither; they keep
 * the old rule (see ProviderStore).
 */
export const idempotencyLeases: Migration = {
  async up(db: Kysely<any>) {
    await db.schema.alterTable('idempotency_keys').addColumn('holder', 'text').execute();
    await db.schema.alterTable('idempotency_keys').addColumn('lease_until', 'text').execute();
  },
};
