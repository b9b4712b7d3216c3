import type { ExpressionBuilder, Kysely } from 'kysely';
import type { AuditChain } from './auditChain';
import type { Database } from './schema';

/**
 * How long a reserved NINO attempt may stay in flight. A check takes well under a second; a
 * reservation older than this was lost with the instance that made it (stopped mid-check), and
 * stops counting so the link is not held shut by it.
 */
export const NINO_RESERVATION_LIFETIME_MS = 60_000;

/**
 * A link's NINO attempts: each guess is reserved before it is weighed and settled after, every step
 * one conditional statement, so the attempt limit holds however many guesses arrive at once.
 */
export class NinoAttemptStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditChain,
  ) {}

  /**
   * Reserves one NINO attempt before the guess is weighed, in one conditional statement: refused once
   * the failures plus the checks in flight reach the limit, so at most `maxAttempts` guesses are ever
   * weighed per link however many arrive at once, on any number of instances. Reservations made more
   * than NINO_RESERVATION_LIFETIME_MS before the latest were lost with their instance and count as
   * none. Returns the link's session generation, or undefined when refused.
   */
  async reserveNinoAttempt(linkId: string, now: Date, maxAttempts: number): Promise<{ sessionGeneration: number } | undefined> {
    const lostBefore = new Date(now.getTime() - NINO_RESERVATION_LIFETIME_MS).toISOString();
    const reserved = await this.db
      .updateTable('links')
      .set((eb) => ({ attempts_in_flight: eb(this.liveReservations(eb, lostBefore), '+', 1), attempts_reserved_at: now.toISOString() }))
      .where('id', '=', linkId)
      .where('locked_at', 'is', null)
      .where((eb) => eb(eb('failed_attempts', '+', this.liveReservations(eb, lostBefore)), '<', maxAttempts))
      .returning('session_generation')
      .executeTakeFirst();
    return reserved && { sessionGeneration: reserved.session_generation };
  }

  private liveReservations(eb: ExpressionBuilder<Database, 'links'>, lostBefore: string) {
    return eb
      .case()
      .when(eb.or([eb('attempts_reserved_at', 'is', null), eb('attempts_reserved_at', '<=', lostBefore)]))
      .then(eb.lit(0))
      .else(eb.ref('attempts_in_flight'))
      .end();
  }

  /** Gives back a reserved attempt: its guess was right, or could not be weighed. */
  async releaseNinoAttempt(linkId: string): Promise<void> {
    await this.db
      .updateTable('links')
      .set((eb) => ({ attempts_in_flight: this.oneFewerInFlight(eb) }))
      .where('id', '=', linkId)
      .execute();
  }

  private oneFewerInFlight(eb: ExpressionBuilder<Database, 'links'>) {
    return eb.case().when('attempts_in_flight', '>', 0).then(eb('attempts_in_flight', '-', 1)).else(eb.lit(0)).end();
  }

  /**
   * Turns a reserved attempt into a wrong NINO in one conditional statement, and locks the link when
   * the count reaches the limit. A link that is already locked is left unchanged.
   */
  async recordWrongNino(linkId: string, now: Date, maxAttempts: number): Promise<{ failedAttempts: number; locked: boolean }> {
    return this.audit.atomically(async (trx, audit) => {
      const at = now.toISOString();
      const updated = await trx
        .updateTable('links')
        .set((eb) => ({
          failed_attempts: eb('failed_attempts', '+', 1),
          attempts_in_flight: this.oneFewerInFlight(eb),
          locked_at: eb.case().when('failed_attempts', '>=', maxAttempts - 1).then(at).else(null).end(),
        }))
        .where('id', '=', linkId)
        .where('locked_at', 'is', null)
        .returning(['recording_id', 'failed_attempts', 'locked_at'])
        .executeTakeFirst();
      if (!updated) return { failedAttempts: maxAttempts, locked: true };
      const locked = updated.locked_at !== null;
      await audit(now, { type: 'nino.failed', actor: 'claimant', recordingId: updated.recording_id, linkId, detail: { attempt: updated.failed_attempts } });
      if (locked) await audit(now, { type: 'link.locked', actor: 'claimant', recordingId: updated.recording_id, linkId });
      return { failedAttempts: updated.failed_attempts, locked };
    });
  }
}
