/** How the claimant pages write times, sizes and lengths: UK time, plain words. */
const DATE = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' });
const TIME = new Intl.DateTimeFormat('en-GB', { hour: 'numeric', minute: '2-digit', hour12: true, timeZone: 'Europe/London' });

export const formatDate = (date: Date) => DATE.format(date);

/** "9:05am on 30 November 2026", as GOV.UK writes times. */
export const formatDateTime = (date: Date) => `${TIME.format(date).replace(' ', '').toLowerCase()} on ${DATE.format(date)}`;

export function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;

export function formatLength(seconds: number | null): string {
  if (seconds === null) return 'Not known';
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (minutes === 0) return plural(rest, 'second');
  return rest === 0 ? plural(minutes, 'minute') : `${plural(minutes, 'minute')} ${plural(rest, 'second')}`;
}

/** A configured period in words: 604800000 → "7 days", 86400000 → "24 hours". */
export function formatPeriod(ms: number): string {
  const hours = ms / 3_600_000;
  if (hours >= 48 && Number.isInteger(hours / 24)) return plural(hours / 24, 'day');
  if (hours >= 1 && Number.isInteger(hours)) return plural(hours, 'hour');
  return plural(Math.round(ms / 60_000), 'minute');
}
