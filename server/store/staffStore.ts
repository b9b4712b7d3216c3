import type { ExpressionBuilder, Kysely, Selectable } from 'kysely';
import type { Database } from './schema';
import type { StaffAccountsTable, StaffTables } from './staffSchema';

export type StaffAccountRow = Omit<Selectable<StaffAccountsTable>, 'hour_failures'> & { hour_failures: number };

/** Failed sign-ins in a row from one address that lock the account there; failures an hour, from anywhere, that lock it everywhere. */
export interface SignInLimits {
  perAddress: number;
  perAccountPerHour: number;
}

export interface LockedAccount {
  id: string;
  email: string;
  role: string;
  /** When its first address lock fell, if any. */
  lockedAt: Date | undefined;
  lockedAddresses: number;
  /** Set while the hour's ceiling holds the account shut everywhere. */
  lockedEverywhereUntil: Date | undefined;
}

const HOUR_MS = 3_600_000;
type StaffDb = Database & StaffTables;

const lockedPairs = (eb: ExpressionBuilder<StaffDb, 'staff_accounts'>) =>
  eb.selectFrom('staff_signin_failures').select('staff_signin_failures.staff_id').whereRef('staff_signin_failures.staff_id', '=', 'staff_accounts.id').where('staff_signin_failures.locked_at', 'is not', null);

const hourLimitReached = (eb: ExpressionBuilder<StaffDb, 'staff_accounts'>, limits: SignInLimits, hourAgo: string) =>
  eb.and([eb('staff_accounts.hour_failures', '>=', limits.perAccountPerHour), eb('staff_accounts.hour_started_at', '>', hourAgo)]);

export interface SessionLimits {
  idleMs: number;
  absoluteMs: number;
}

/**
 * Staff accounts and sessions. Counting failed sign-ins, accepting a TOTP step only once, and
 * touching a session inside its limits are each one conditional statement, so two instances (or
 * two racing requests) cannot both get past a rule.
 */
export class StaffStore {
  private readonly db: Kysely<StaffDb>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<StaffTables>();
  }

  async addAccount(account: { id: string; email: string; role: string; passwordHash: string; totpSecretEncrypted: string }, now: Date): Promise<void> {
    await this.db
      .insertInto('staff_accounts')
      .values({
        id: account.id,
        email: account.email,
        role: account.role,
        password_hash: account.passwordHash,
        totp_secret_encrypted: account.totpSecretEncrypted,
        last_totp_step: null,
        created_at: now.toISOString(),
      })
      .execute();
  }

  findByEmail(email: string): Promise<StaffAccountRow | undefined> {
    return this.db.selectFrom('staff_accounts').selectAll().where('email', '=', email).executeTakeFirst();
  }

  findById(id: string): Promise<StaffAccountRow | undefined> {
    return this.db.selectFrom('staff_accounts').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** Accounts by id, for showing who did what on a timeline. */
  async emailsById(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const rows = await this.db.selectFrom('staff_accounts').select(['id', 'email']).where('id', 'in', ids).execute();
    return new Map(rows.map((row) => [row.id, row.email]));
  }

  /** Accounts locked somewhere: at one address or more, or everywhere for the rest of their hour. */
  async lockedAccounts(now: Date, limits: SignInLimits): Promise<LockedAccount[]> {
    const hourAgo = new Date(now.getTime() - HOUR_MS).toISOString();
    const rows = await this.db
      .selectFrom('staff_accounts')
      .select((eb) => [
        'id',
        'email',
        'role',
        eb.selectFrom('staff_signin_failures').select((f) => f.fn.min('locked_at').as('at')).whereRef('staff_signin_failures.staff_id', '=', 'staff_accounts.id').as('locked_at'),
        eb.selectFrom('staff_signin_failures').select((f) => f.fn.countAll().as('n')).whereRef('staff_signin_failures.staff_id', '=', 'staff_accounts.id').where('locked_at', 'is not', null).as('locked_addresses'),
        eb.case().when(hourLimitReached(eb, limits, hourAgo)).then(eb.ref('hour_started_at')).else(null).end().as('hour_limit_since'),
      ])
      .where((eb) => eb.or([eb.exists(lockedPairs(eb)), hourLimitReached(eb, limits, hourAgo)]))
      .orderBy('email')
      .execute();
    return rows.map((row) => ({
      id: row.id,
      email: row.email,
      role: row.role,
      lockedAt: row.locked_at ? new Date(row.locked_at) : undefined,
      lockedAddresses: Number(row.locked_addresses),
      lockedEverywhereUntil: row.hour_limit_since ? new Date(new Date(row.hour_limit_since).getTime() + HOUR_MS) : undefined,
    }));
  }

  /**
   * Counts a failed sign-in against the account from this address, and against the account's hour.
   * Each count is one statement, so racing failures are each counted once, and exactly one of them
   * is the one that reached a limit.
   */
  async recordFailedSignIn(id: string, address: string, now: Date, limits: SignInLimits): Promise<{ justLockedHere: boolean; justReachedHourLimit: boolean }> {
    const at = now.toISOString();
    const here = await this.db
      .insertInto('staff_signin_failures')
      .values({ staff_id: id, address, failures: 1, locked_at: limits.perAddress <= 1 ? at : null, last_failed_at: at })
      .onConflict((oc) =>
        oc.columns(['staff_id', 'address']).doUpdateSet((eb) => ({
          failures: eb('staff_signin_failures.failures', '+', 1),
          locked_at: eb.fn.coalesce('staff_signin_failures.locked_at', eb.case().when('staff_signin_failures.failures', '>=', limits.perAddress - 1).then(at).else(null).end()),
          last_failed_at: at,
        })),
      )
      .returning('failures')
      .executeTakeFirstOrThrow();
    const hourAgo = new Date(now.getTime() - HOUR_MS).toISOString();
    const account = await this.db
      .updateTable('staff_accounts')
      .set((eb) => {
        const hourOver = eb.or([eb('hour_started_at', 'is', null), eb('hour_started_at', '<=', hourAgo)]);
        return {
          hour_failures: eb.case().when(hourOver).then(1).else(eb('hour_failures', '+', 1)).end(),
          hour_started_at: eb.case().when(hourOver).then(at).else(eb.ref('hour_started_at')).end(),
        };
      })
      .where('id', '=', id)
      .returning('hour_failures')
      .executeTakeFirst();
    return { justLockedHere: Number(here.failures) === limits.perAddress, justReachedHourLimit: Number(account?.hour_failures) === limits.perAccountPerHour };
  }

  /**
   * Accepts a sign-in whose TOTP code fell in `step`, only if no code from that step or a later one
   * was accepted before (a replayed code fails), the account is not locked at this address, and its
   * hour's failures are under the ceiling. The address's run of failures then starts again.
   */
  async acceptSignIn(id: string, step: number, address: string, now: Date, limits: SignInLimits): Promise<boolean> {
    const hourAgo = new Date(now.getTime() - HOUR_MS).toISOString();
    const updated = await this.db
      .updateTable('staff_accounts')
      .set({ last_totp_step: step })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('last_totp_step', 'is', null), eb('last_totp_step', '<', step)]))
      .where((eb) => eb.not(eb.exists(lockedPairs(eb).where('address', '=', address))))
      .where((eb) => eb.not(hourLimitReached(eb, limits, hourAgo)))
      .returning('id')
      .executeTakeFirst();
    if (!updated) return false;
    await this.db.deleteFrom('staff_signin_failures').where('staff_id', '=', id).where('address', '=', address).where('locked_at', 'is', null).execute();
    return true;
  }

  /** Swaps the password hash only if it is still the one read, so two racing forms cannot both set one. */
  async replaceOneTimePassword(id: string, currentHash: string, newHash: string): Promise<void> {
    await this.db.updateTable('staff_accounts').set({ password_hash: newHash }).where('id', '=', id).where('password_hash', '=', currentHash).execute();
  }

  /** Lifts every lock on the account (each address's, and its hour's ceiling); false if it was not locked. */
  async unlockAccount(id: string, now: Date, limits: SignInLimits): Promise<boolean> {
    const hourAgo = new Date(now.getTime() - HOUR_MS).toISOString();
    const cleared = await this.db.deleteFrom('staff_signin_failures').where('staff_id', '=', id).returning('locked_at').execute();
    const hourReset = await this.db
      .updateTable('staff_accounts')
      .set({ hour_failures: 0, hour_started_at: null })
      .where('id', '=', id)
      .where((eb) => hourLimitReached(eb, limits, hourAgo))
      .returning('id')
      .executeTakeFirst();
    return cleared.some((row) => row.locked_at !== null) || hourReset !== undefined;
  }

  async startSession(sessionHash: string, staffId: string, now: Date): Promise<void> {
    const at = now.toISOString();
    await this.db.insertInto('staff_sessions').values({ id: sessionHash, staff_id: staffId, created_at: at, last_seen_at: at, ended_at: null }).execute();
  }

  /**
   * Touches a live session and returns its staff member; a session idle too long, too old, or
   * signed out is refused (and stays refused: touching never revives it).
   */
  async touchSession(sessionHash: string, now: Date, limits: SessionLimits): Promise<string | undefined> {
    const updated = await this.db
      .updateTable('staff_sessions')
      .set({ last_seen_at: now.toISOString() })
      .where('id', '=', sessionHash)
      .where('ended_at', 'is', null)
      .where('last_seen_at', '>', new Date(now.getTime() - limits.idleMs).toISOString())
      .where('created_at', '>', new Date(now.getTime() - limits.absoluteMs).toISOString())
      .returning('staff_id')
      .executeTakeFirst();
    return updated?.staff_id;
  }

  async endSession(sessionHash: string, now: Date): Promise<void> {
    await this.db.updateTable('staff_sessions').set({ ended_at: now.toISOString() }).where('id', '=', sessionHash).where('ended_at', 'is', null).execute();
  }
}
