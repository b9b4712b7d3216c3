import type { Expression, ExpressionBuilder, SqlBool } from 'kysely';

/** The dates on a recording's row that decide whether it may still be sent, opened or downloaded. */
export interface RecordingDates {
  deleted_at: string | null;
  deletion_requested_at: string | null;
  retain_until: string;
}

export type RecordingAvailability = { available: true } | { available: false; reason: 'deleted' | 'deletion-requested' | 'past-retention' };

/**
 * Whether a recording can still reach its claimant at `now`, by any route (claimant pages, staff
 * console, provider API, operator CLI). A deletion request stops it at once, not at the sweep that
 * carries it out; retention ends at `retain_until`, exclusive.
 */
export function recordingAvailability(recording: RecordingDates, now: Date): RecordingAvailability {
  if (recording.deleted_at) return { available: false, reason: 'deleted' };
  if (recording.deletion_requested_at) return { available: false, reason: 'deletion-requested' };
  if (new Date(recording.retain_until).getTime() <= now.getTime()) return { available: false, reason: 'past-retention' };
  return { available: true };
}

/**
 * The same rule as a condition on the `recordings` row, for the statements that must decide it as
 * they write (claiming or settling a listening copy) or select by it (the retention sweep). The
 * dates are ISO-8601 UTC text on both databases, so `retain_until > now` compares as the rule does:
 * at exactly `retain_until` the recording is past retention.
 */
export function availableInSql(eb: ExpressionBuilder<{ recordings: RecordingDates }, 'recordings'>, now: Date): Expression<SqlBool> {
  return eb.and([eb('deleted_at', 'is', null), eb('deletion_requested_at', 'is', null), eb('retain_until', '>', now.toISOString())]);
}
