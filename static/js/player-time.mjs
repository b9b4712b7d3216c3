// Pure helpers for the recording page's player and moments (static/js/player.mjs, static/js/moments.mjs),
// kept apart from the page so their edges are unit-tested (tests/unit/playerTime.test.ts).

/** The speeds the player offers, slowest first. */
export const SPEEDS = [0.75, 1, 1.25, 1.5, 2];

/** The longest note a moment keeps: a time and a reminder, not a transcript. */
export const NOTE_MAX_LENGTH = 200;

const two = (n) => String(n).padStart(2, '0');

/** Seconds as h:mm:ss (0:23:10), whole seconds rounded down; anything not a finite number reads as 0:00:00. */
export function formatClock(seconds) {
  const whole = Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds) : 0;
  return `${Math.floor(whole / 3600)}:${two(Math.floor(whole / 60) % 60)}:${two(whole % 60)}`;
}

// m:ss (minutes as many as needed: 75:30 is an hour and a quarter in) or h:mm:ss; seconds and, after hours, minutes 00–59.
const MINUTES_SECONDS = /^(\d{1,3}):([0-5]\d)$/;
const HOURS_MINUTES_SECONDS = /^(\d{1,2}):([0-5]\d):([0-5]\d)$/;

/** "23:10" or "1:02:30" as seconds; null for anything else ("99:99", "23.10", "1:2:3", ""). */
export function parseClock(text) {
  const typed = String(text ?? '').trim();
  const short = MINUTES_SECONDS.exec(typed);
  if (short) return Number(short[1]) * 60 + Number(short[2]);
  const long = HOURS_MINUTES_SECONDS.exec(typed);
  if (long) return Number(long[1]) * 3600 + Number(long[2]) * 60 + Number(long[3]);
  return null;
}

/**
 * Where "Go to a time" should go, or why it cannot: 'empty', 'format', or 'past-end' for a time after
 * the recording ends (a length not yet known refuses nothing for being late).
 */
export function timeToGoTo(text, lengthSeconds) {
  if (String(text ?? '').trim() === '') return { problem: 'empty' };
  const seconds = parseClock(text);
  if (seconds === null) return { problem: 'format' };
  if (Number.isFinite(lengthSeconds) && seconds > lengthSeconds) return { problem: 'past-end' };
  return { seconds };
}

/** The next speed up (step 1) or down (step -1) from the current one, staying within the list. */
export function nextSpeed(current, step) {
  const index = SPEEDS.indexOf(current);
  const from = index === -1 ? SPEEDS.indexOf(1) : index;
  return SPEEDS[Math.min(SPEEDS.length - 1, Math.max(0, from + step))];
}

/** Moments as stored: whole seconds, a note of at most NOTE_MAX_LENGTH characters, in time order; anything else is dropped. */
export function cleanMoments(value) {
  if (!Array.isArray(value)) return [];
  return value
    .filter((m) => m && Number.isFinite(m.seconds) && m.seconds >= 0 && typeof m.note === 'string')
    .map((m) => ({ seconds: Math.floor(m.seconds), note: m.note.slice(0, NOTE_MAX_LENGTH) }))
    .sort((a, b) => a.seconds - b.seconds);
}

/** The plain-text list a claimant can attach to a letter; every label comes from the page, in its language. */
export function momentsAsText({ title, dateLabel, date, fingerprintLabel, fingerprint, moments }) {
  const lines = [title, '', `${dateLabel}: ${date}`, `${fingerprintLabel}: ${fingerprint}`, ''];
  for (const moment of cleanMoments(moments)) lines.push(moment.note ? `${formatClock(moment.seconds)}  ${moment.note}` : formatClock(moment.seconds));
  return `${lines.join('\r\n')}\r\n`;
}
