/**
 * National Insurance number rules, as HMRC publishes them: two prefix letters, six digits and a
 * suffix A–D. D, F, I, Q, U and V never appear in the prefix, O never second, and the prefixes
 * BG, GB, KN, NK, NT, TN and ZZ are never allocated.
 */
const NINO_PATTERN = /^(?!BG|GB|KN|NK|NT|TN|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]\d{6}[A-D]$/;

/** Longest input worth looking at: a NINO with generous spacing is 13 characters. */
export const NINO_INPUT_MAX_LENGTH = 40;

export type NinoParse = { ok: true; nino: string } | { ok: false; reason: 'empty' | 'format' };

/**
 * Accepts what people actually type — "qq 12 34 56 c", "QQ-12-34-56-C", full-width characters from
 * some phone keyboards — and returns the canonical form "QQ123456C" that is hashed and compared.
 */
export function parseNino(input: unknown): NinoParse {
  if (typeof input !== 'string') return { ok: false, reason: 'empty' };
  if (input.length > NINO_INPUT_MAX_LENGTH) return { ok: false, reason: 'format' };
  const compact = input.normalize('NFKC').replace(/[\s\-.]/gu, '').toUpperCase();
  if (compact.length === 0) return { ok: false, reason: 'empty' };
  return NINO_PATTERN.test(compact) ? { ok: true, nino: compact } : { ok: false, reason: 'format' };
}

/** "QQ123456C" → "QQ 12 34 56 C", the way it is printed on letters. */
export function formatNino(nino: string): string {
  return `${nino.slice(0, 2)} ${nino.slice(2, 4)} ${nino.slice(4, 6)} ${nino.slice(6, 8)} ${nino.slice(8)}`;
}
