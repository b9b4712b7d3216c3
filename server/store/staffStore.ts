import type { Kysely, Selectable } from 'kysely';
import type { Database } from './schema';
import type { StaffAccountsTable, StaffTables } from './staffSchema';

export type StaffAccountRow = Omit<Selectable<StaffAccountsTable>, 'failed_signins'> & { failed_signins: number };

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
  private readonly db: Kysely<Database & StaffTables>;

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
        locked_at: null,
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

  lockedAccounts(): Promise<StaffAccountRow[]> {
    return this.db.selectFrom('staff_accounts').selectAll().where('locked_at', 'is not', null).orderBy('email').execute();
  }

  /** Counts a failed sign-in; the one that reaches the limit locks the account. */
  async recordFailedSignIn(id: string, now: Date, maxFailures: number): Promise<{ locked: boolean; justLocked: boolean }> {
    const updated = await this.db
      .updateTable('staff_accounts')
      .set((eb) => ({
        failed_signins: eb('failed_signins', '+', 1),
        locked_at: eb.case().when('failed_signins', '>=', maxFailures - 1).then(now.toISOString()).else(null).end(),
      }))
      .where('id', '=', id)
      .where('locked_at', 'is', null)
      .returning(['locked_at'])
      .executeTakeFirst();
    if (!updated) return { locked: true, justLocked: false };
    return { locked: updated.locked_at !== null, justLocked: updated.locked_at !== null };
  }

  /**
   * Accepts a sign-in whose TOTP code fell in `step`, only if no code from that step or a later one
   * was accepted before (a replayed code fails) and the account is not locked.
   */
  async acceptSignIn(id: string, step: number): Promise<boolean> {
    const updated = await this.db
      .updateTable('staff_accounts')
      .set({ failed_signins: 0, last_totp_step: step })
      .where('id', '=', id)
      .where('locked_at', 'is', null)
      .where((eb) => eb.or([eb('last_totp_step', 'is', null), eb('last_totp_step', '<', step)]))
      .returning('id')
      .executeTakeFirst();
    return updated !== undefined;
  }

  /** Swaps the password hash only if it is still the one read, so two racing forms cannot both set one. */
  async replaceOneTimePassword(id: string, currentHash: string, newHash: string): Promise<void> {
    await this.db.updateTable('staff_accounts').set({ password_hash: newHash }).where('id', '=', id).where('password_hash', '=', currentHash).execute();
  }

  async unlockAccount(id: string): Promise<boolean> {
    const updated = await this.db
      .updateTable('staff_accounts')
      .set({ failed_signins: 0, locked_at: null })
      .where('id', '=', id)
      .where('locked_at', 'is not', null)
      .returning('id')
      .executeTakeFirst();
    return updated !== undefined;
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

  /** Recordings whose keyed NINO index matches; the NINO itself is never stored or compared in clear. */
  recordingsByNinoIndex(ninoIndex: string) {
    return this.db.selectFrom('recordings').selectAll().where('nino_index', '=', ninoIndex).orderBy('recorded_at', 'desc').limit(50).execute();
  }

  linksOf(recordingId: string) {
    return this.db.selectFrom('links').selectAll().where('recording_id', '=', recordingId).orderBy('sent_at', 'desc').orderBy('id').execute();
  }
}
