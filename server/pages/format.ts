import type { MessageKey, Translator } from '../i18n';

/**
 * How the claimant pages write times, sizes and lengths: UK time, plain words, in the page's language.
 * Month names and units come from the catalogues rather than the runtime's locale data, so Welsh
 * reads the same wherever the portal runs.
 */
const UK_PARTS = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'numeric',
  year: 'numeric',
  hour: 'numeric',
  minute: '2-digit',
  hourCycle: 'h23',
  timeZone: 'Europe/London',
});

const MONTHS = [
  'month.1',
  'month.2',
  'month.3',
  'month.4',
  'month.5',
  'month.6',
  'month.7',
  'month.8',
  'month.9',
  'month.10',
  'month.11',
  'month.12',
] as const satisfies readonly MessageKey[];

function ukParts(date: Date) {
  const parts = Object.fromEntries(UK_PARTS.formatToParts(date).map((part) => [part.type, part.value]));
  return { day: Number(parts.day), month: Number(parts.month), year: Number(parts.year), hour: Number(parts.hour) % 24, minute: Number(parts.minute) };
}

/** "30 November 2026", "30 Tachwedd 2026". */
export function formatDate(date: Date, t: Translator): string {
  const { day, month, year } = ukParts(date);
  return `${day} ${t(MONTHS[month - 1])} ${year}`;
}

/** As GOV.UK writes times: "9am", "5:30pm", "midday", "midnight" (Welsh "9yb", "5:30yh", "hanner dydd"). */
export function formatTime(date: Date, t: Translator): string {
  const { hour, minute } = ukParts(date);
  if (minute === 0 && hour === 12) return t('time.midday');
  if (minute === 0 && hour === 0) return t('time.midnight');
  const clock = `${hour % 12 === 0 ? 12 : hour % 12}${minute === 0 ? '' : `:${String(minute).padStart(2, '0')}`}`;
  return `${clock}${hour < 12 ? t('time.am') : t('time.pm')}`;
}

/** "9:05am on 30 November 2026". */
export const formatDateTime = (date: Date, t: Translator) => t('time.on-date', { time: formatTime(date, t), date: formatDate(date, t) });

/** Kilobytes and megabytes read the same in English and Welsh. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024 * 1024) return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

/** A duration in whole minutes and seconds (the stored one has a fraction); under half a second reads "1 second", not "0". */
export function formatLength(exactSeconds: number | null, t: Translator): string {
  if (exactSeconds === null) return t('length.not-known');
  const seconds = Math.max(1, Math.round(exactSeconds));
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  const secondsText = t.plural(rest, 'unit.second.one', 'unit.second.other');
  if (minutes === 0) return secondsText;
  const minutesText = t.plural(minutes, 'unit.minute.one', 'unit.minute.other');
  return rest === 0 ? minutesText : `${minutesText} ${secondsText}`;
}

/** A configured period in words: 604800000 → "7 days", 86400000 → "24 hours". */
export function formatPeriod(ms: number, t: Translator): string {
  const hours = ms / 3_600_000;
  if (hours >= 48 && Number.isInteger(hours / 24)) return t.plural(hours / 24, 'unit.day.one', 'unit.day.other');
  if (hours >= 1 && Number.isInteger(hours)) return t.plural(hours, 'unit.hour.one', 'unit.hour.other');
  return t.plural(Math.round(ms / 60_000), 'unit.minute.one', 'unit.minute.other');
}
