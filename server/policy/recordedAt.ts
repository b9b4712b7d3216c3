import { retainUntil } from './retention';

/** How far ahead of the portal's clock a recording may say it was made: a provider's clock may run a little fast. */
export const RECORDED_AT_CLOCK_SKEW_MS = 5 * 60_000;

/**
 * Why a recording's "recorded at" cannot be taken, or undefined when it can. Not in the future beyond
 * a little clock skew (by the portal's clock), and not so old that its retention period is already
 * over: such a recording would be deleted by the next sweep, before its claimant could open it. The
 * retention period is the earliest bound because it is the one the portal already keeps; a fixed
 * date would be arbitrary, and would still let through recordings the sweep deletes at once.
 */
export function recordedAtProblem(recordedAt: Date, now: Date, retentionMonths: number): string | undefined {
  if (Number.isNaN(recordedAt.getTime())) return 'must be a date and time, such as 2026-11-20T10:30:00Z';
  const latest = new Date(now.getTime() + RECORDED_AT_CLOCK_SKEW_MS);
  if (recordedAt.getTime() > latest.getTime()) {
    return `must not be in the future (the portal's clock says ${now.toISOString()}; up to 5 minutes ahead is allowed)`;
  }
  const deleteAt = retainUntil(recordedAt, retentionMonths);
  if (deleteAt.getTime() <= now.getTime()) {
    return `is more than the retention period (RETENTION_MONTHS=${retentionMonths}) ago: a recording made then was due for deletion on ${deleteAt.toISOString()}`;
  }
  return undefined;
}
