import type { Kysely } from 'kysely';
import type { Database } from './schema';

/** Named leases that let one instance at a time run a job (the retention sweep). */
export class JobLeases {
  constructor(private readonly db: Kysely<Database>) {}

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
}
