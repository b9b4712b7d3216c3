import { parseNino } from './nino';
import { isPersonalUkPhoneNumber } from './phone';

export type PersonalDetail = 'national-insurance-number' | 'phone-number';

/** Two letters and six digits with a letter after, spaced or not, standing alone (not inside a longer word). */
const NINO_SHAPED = /(?<![\p{L}\p{N}])\p{L}{2}(?:[\s\-.]?\p{N}){6}[\s\-.]?\p{L}(?![\p{L}\p{N}])/gu;
/** Digit groups joined by what people type inside a phone number: "07700 900123", "+44 (0)7700-900-123". */
const DIGIT_RUN = /\+?\d+(?:[\s\-.()]{1,3}\d+)*/g;
/** A UK number has 10 or 11 digits; written from 0044 with a stray (0), up to 15. */
const PHONE_DIGITS = { min: 10, max: 15 };
/** People write a UK number from its trunk 0 or with the country code; other long digit strings are references. */
const DIALLED_FROM_THE_START = /^(?:\+44|0044|\(?0)/;

/**
 * The first NINO or UK phone number (a person's, not an organisation's helpline) in free text, so a
 * reason typed by staff cannot carry one into the audit log. Dates, times, amounts and assessment
 * references are too short, or shaped differently, to be taken for either.
 */
export function personalDetailIn(text: string): PersonalDetail | undefined {
  const normalised = text.normalize('NFKC');
  for (const [candidate] of normalised.matchAll(NINO_SHAPED)) {
    if (parseNino(candidate).ok) return 'national-insurance-number';
  }
  for (const [run] of normalised.matchAll(DIGIT_RUN)) {
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
