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
