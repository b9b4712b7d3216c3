import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** UK mobiles, including the Crown Dependencies that share the +44 numbering plan. */
const UK_REGIONS = new Set(['GB', 'GG', 'JE', 'IM']);
const PHONE_INPUT_MAX_LENGTH = 30;
/**
 * Ofcom keeps 07700 900000–900999 for drama and testing: shaped like mobiles, never allocated, so a
 * demo or a test can use them without texting a real person. libphonenumber calls them invalid.
 */
const OFCOM_DRAMA_MOBILES = /^\+447700900\d{3}$/;

export type PhoneParse = { ok: true; e164: string } | { ok: false };

export function parseUkMobile(input: unknown): PhoneParse {
  if (typeof input !== 'string' || input.length > PHONE_INPUT_MAX_LENGTH) return { ok: false };
  const phone = parsePhoneNumberFromString(input, 'GB');
  if (!phone) return { ok: false };
  if (OFCOM_DRAMA_MOBILES.test(phone.number)) return { ok: true, e164: phone.number };
  if (!phone.isValid() || !UK_REGIONS.has(phone.country ?? '') || phone.getType() !== 'MOBILE') return { ok: false };
  return { ok: true, e164: phone.number };
}

/** "+447700900123" → "07*** ***123": enough for a claimant to recognise, too little to misuse. */
export function maskPhone(e164: string): string {
  const national = e164.startsWith('+44') ? `0${e164.slice(3)}` : e164;
  return `${national.slice(0, 2)}*** ***${national.slice(-3)}`;
}

/** Numbers that reach an organisation rather than a person: 0800/0808, 084x/087x, 09 and 03. */
const ORGANISATION_NUMBER_TYPES = new Set(['TOLL_FREE', 'SHARED_COST', 'PREMIUM_RATE', 'UAN']);

/** A number that could reach a person in the UK: a mobile (the drama range too) or a landline. */
export function isPersonalUkPhoneNumber(input: string): boolean {
  if (input.length > PHONE_INPUT_MAX_LENGTH) return false;
  const phone = parsePhoneNumberFromString(input, 'GB');
  if (!phone) return false;
  if (OFCOM_DRAMA_MOBILES.test(phone.number)) return true;
  return phone.isValid() && UK_REGIONS.has(phone.country ?? '') && !ORGANISATION_NUMBER_TYPES.has(phone.getType() ?? '');
}
