import type { Kysely, Migration } from 'kysely';

/**
 * Failed staff sign-ins are counted per account and address, so failures from one address lock the
 * account there only, and per account per hour as a ceiling on guessing spread over many addresses.
 * The account-wide lock columns go: an account locked under the old rule is unlocked by this
 * migration (its failures were from somewhere; from now on they lock that somewhere).
 */
export const staffSignIn: Migration = {
  async up(db: Kysely<any>) {
    await db.schema
      .createTable('staff_signin_failures')
      .addColumn('staff_id', 'text', (c) => c.notNull().references('staff_accounts.id'))
      // The address as the sign-in rate limit keys it (an IPv6 address by its /56).
      .addColumn('address', 'text', (c) => c.notNull())
      .addColumn('failures', 'integer', (c) => c.notNull())
      .addColumn('locked_at', 'text')
      .addColumn('last_failed_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('staff_signin_failures_pk', ['staff_id', 'address'])
      .execute();
    await db.schema.alterTable('staff_accounts').addColumn('hour_failures', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    await db.schema.alterTable('staff_accounts').addColumn('hour_started_at', 'text').execute();
    await db.schema.alterTable('staff_accounts').dropColumn('failed_signins').execute();
    await db.schema.alterTable('staff_accounts').dropColumn('locked_at').execute();
  },
};
