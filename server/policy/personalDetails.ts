import { parseNino } from './nino';
import { isPersonalUkPhoneNumber } from './phone';

export type PersonalDetail = 'national-insurance-number' | 'phone-number';

/** Between any two characters of a NINO, up to three separators ("AB 12 34 56 C", "A B 1 2…", "AB - 12…"). */
const NINO_GAP = '[\\s\\-.]{0,3}';
/** Two letters and six digits with a letter after, however spaced, standing alone (not inside a longer word). */
const NINO_SHAPED = new RegExp(`(?<![\\p{L}\\p{N}])\\p{L}${NINO_GAP}\\p{L}(?:${NINO_GAP}\\d){6}${NINO_GAP}\\p{L}(?![\\p{L}\\p{N}])`, 'gu');
/** Digit groups joined by what people type inside a phone number: "07700 900123", "+44 (0)7700-900-123". */
const DIGIT_RUN = /\+?\d+(?:[\s\-.()]{1,3}\d+)*/g;
/** A UK number has 10 or 11 digits; written from 0044 with a stray (0), up to 15. */
const PHONE_DIGITS = { min: 10, max: 15 };
/** People write a UK number from its trunk 0 or with the country code; other long digit strings are references. */
const DIALLED_FROM_THE_START = /^(?:\+44|0044|\(?0)/;

/** Characters that show nothing (zero-width spaces and joiners, word joiners, soft hyphens, direction marks). */
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;
/** Every dash, and the underscores and slashes some type between a number's parts, read as a hyphen. */
const DASH_LIKE = /[\p{Pd}\u2212_/\\]/gu;
/** Dots typed as separators. */
const DOT_LIKE = /[\u00b7\u2022\u2027\u30fb]/gu;
/** A decimal digit of any script: Arabic-Indic, Devanagari… (NFKC leaves these as they are). */
const ANY_DECIMAL_DIGIT = /(?!\d)\p{Nd}/gu;
/**
 * A letter O typed for a zero: next to a digit (a separator between allowed), and not part of a word,
 * so "O7912 345678" and "AB 12 34 5O C" are read with 0 while "Oxford" or "NO." are not.
 */
const O_FOR_ZERO = /(?<!\p{L})[Oo](?=[\s\-.()]{0,3}\d)|(?<=\d[\s\-.()]{0,3})[Oo](?!\p{L})/gu;

/**
 * The text as a reader sees it: compatibility forms folded (full-width, non-breaking spaces), the
 * invisible characters gone, every script's digits as 0–9, separators as space, hyphen or dot, and
 * an O among digits as 0. Nothing that changes how the text reads to a person changes here.
 */
function asRead(text: string): string {
  return text
    .normalize('NFKC')
    .replace(INVISIBLE, '')
    .replace(ANY_DECIMAL_DIGIT, asciiDigit)
    .replace(DASH_LIKE, '-')
    .replace(DOT_LIKE, '.')
    .replace(O_FOR_ZERO, '0');
}

/** Unicode encodes each script's decimal digits as one run of ten, 0 to 9 (runs that abut are ten each). */
function asciiDigit(digit: string): string {
  const code = digit.codePointAt(0)!;
  let zero = code;
  while (/\p{Nd}/u.test(String.fromCodePoint(zero - 1))) zero--;
  return String((code - zero) % 10);
}

/**
 * The first NINO or UK phone number (a person's, not an organisation's helpline) in free text, so a
 * reason typed by staff cannot carry one into the audit log, however it is spaced, separated or
 * disguised (see asRead). Dates, times, amounts and assessment references are too short, or shaped
 * differently, to be taken for either.
 */
export function personalDetailIn(text: string): PersonalDetail | undefined {
  const read = asRead(text);
  for (const [candidate] of read.matchAll(NINO_SHAPED)) {
    if (parseNino(candidate).ok) return 'national-insurance-number';
  }
  for (const [run] of read.matchAll(DIGIT_RUN)) {
    if (phoneNumberWithin(run)) return 'phone-number';
  }
  return undefined;
}

/** Tries every stretch of whole digit groups long enough to be a number: a run may join a date to a phone number. */
function phoneNumberWithin(run: string): boolean {
  const groups = [...run.matchAll(/\d+/g)].map((group) => ({ start: group.index, end: group.index + group[0].length }));
  for (let first = 0; first < groups.length; first++) {
    const start = first === 0 && run.startsWith('+') ? 0 : groups[first].start;
    let digits = 0;
    for (let last = first; last < groups.length; last++) {
      digits += groups[last].end - groups[last].start;
      if (digits > PHONE_DIGITS.max) break;
      const candidate = run.slice(start, groups[last].end).replace(/^0044/, '+44');
      if (digits >= PHONE_DIGITS.min && DIALLED_FROM_THE_START.test(candidate) && isPersonalUkPhoneNumber(candidate)) return true;
    }
  }
  return false;
}
