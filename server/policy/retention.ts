/** The day a recording must be deleted unless a legal hold stands: recorded-at plus the retention period. */
export function retainUntil(recordedAt: Date, retentionMonths: number): Date {
  const until = new Date(recordedAt.getTime());
  const day = until.getUTCDate();
  until.setUTCDate(1);
  until.setUTCMonth(until.getUTCMonth() + retentionMonths);
  // 31 March + 1 month is 30 April, not 1 May.
  const lastDay = new Date(Date.UTC(until.getUTCFullYear(), until.getUTCMonth() + 1, 0)).getUTCDate();
  until.setUTCDate(Math.min(day, lastDay));
  return until;
}

export type RetentionDecision = 'keep' | 'held' | 'delete: retention period over' | 'delete: deletion requested';

/**
 * Whether a recording goes in this sweep. A legal hold (an open dispute) always wins; otherwise a
 * deletion request deletes early, and the retention date deletes on time (at exactly retain_until).
 */
export function retentionDecision(
  recording: { retainUntil: Date; deletionRequestedAt: Date | null },
  underLegalHold: boolean,
  now: Date,
): RetentionDecision {
  const due = recording.deletionRequestedAt !== null || now.getTime() >= recording.retainUntil.getTime();
  if (!due) return 'keep';
  if (underLegalHold) return 'held';
  return recording.deletionRequestedAt !== null ? 'delete: deletion requested' : 'delete: retention period over';
}
