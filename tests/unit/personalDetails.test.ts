import fc from 'fast-check';
import { personalDetailIn } from '../../server/policy/personalDetails';

describe('personal details typed into free text', () => {
  test.each([
    'AB123456C',
    'Claimant AB 12 34 56 C confirmed',
    'nino ab-12-34-56-c',
    'ＡＢ１２３４５６Ｃ (typed on a phone keyboard)',
  ])('a National Insurance number is found in %j', (text) => {
    expect(personalDetailIn(text)).toBe('national-insurance-number');
  });

  test.each([
    'Called back on 07700 900123',
    'mobile +44 (0)7700 900123 now',
    '+447700900123',
    'new number 0044 7700 900123',
    'landline 020 7946 0018',
    '(0113) 496 0000',
    'spoke on 2026-11-23 07700900123',
  ])('a UK phone number is found in %j', (text) => {
    expect(personalDetailIn(text)).toBe('phone-number');
  });

  test.each([
    'Discussed on 23/11/2026 at 10:30',
    'Appeal ref REF-12345678 lodged 2026-11-23',
    'Tribunal SC123/45/67890',
    'ASSESS-2026-000123',
    'Paid £1,234.56 on 01/02/2026',
    'Claimant rang the helpline on 0800 169 0310',
    'Case 1234 5678 90',
    'Reference 12345678901234',
    'QQ123456 is an incomplete reference',
    'XAB123456CD',
    'Claimant asked for a new link by phone',
  ])('ordinary text is left alone: %j', (text) => {
    expect(personalDetailIn(text)).toBeUndefined();
  });
});

/** Fixed seed, so a failure replays exactly. */
const RUNS = { seed: 20261206, numRuns: 300 } as const;

describe('a NINO or phone number disguised by how it is typed is still found', () => {
  test.each([
    'AB_12_34_56_C',
    'AB/123456/C',
    'AB\\12\\34\\56\\C',
    'A B 1 2 3 4 5 6 C',
    'AB - 12 - 34 - 56 - C',
    'AB\u200B123456C',
    'AB\u00A012\u00A034\u00A056\u00A0C',
    'AB1234\u206056C',
    'AB12\u00AD3456C',
    'AB\u200D12\uFEFF34\u200E56C',
    'AB–12–34–56–C',
    'AB 12 34 5O C',
    'AB ١٢ ٣٤ ٥٦ C',
    'nino: ab·12·34·56·c',
  ])('a National Insurance number: %j', (text) => {
    expect(personalDetailIn(text)).toBe('national-insurance-number');
  });

  test.each([
    'O7912345678',
    'call o7912 345 678',
    '+44 7912 345678',
    '0044 7912 345678',
    '(07912) 345 678',
    '07912/345678',
    '07912_345_678',
    '0791\u200B2345678',
    '07912\u00A0345678',
    '０７９１２ ３４５６７８',
    '07912 3456O8',
  ])('a phone number: %j', (text) => {
    expect(personalDetailIn(text)).toBe('phone-number');
  });

  test.each([
    'REF-2024-0001',
    '12/03/2024',
    '12/03/2024 10:30',
    '02/03/2026 14:30',
    '12_03_2024',
    'Case ref PIP-2026-555, seen 12.03.2024',
    'DEMO-0001',
    'Oxford office on 01/02/2026',
    'NO. 12345 in the queue',
    'Room O12, 2 O\'clock',
    'Claimant\u200B asked for a new link',
  ])('and dates and references still pass: %j', (text) => {
    expect(personalDetailIn(text)).toBeUndefined();
  });
});

/** What people put between the parts of a number, visible or not. */
const separator = fc.constantFrom('', ' ', '  ', '-', ' - ', '_', '/', '.', '\u00A0', '\u2009', '\u200B', '\u2060', '\u00AD', '\uFEFF', '–');
/** A character as typed: as it is, or its full-width form from a phone keyboard. */
const typed = (char: string) => fc.constantFrom(char, String.fromCodePoint(char.codePointAt(0)! + 0xfee0));
const disguised = (chars: string[]) =>
  fc.tuple(...chars.map((char) => fc.tuple(typed(char), separator))).map((parts) => parts.map(([char, gap]) => char + gap).join(''));
/** Around the number: words, or nothing, never a letter or digit touching it. */
const around = fc.tuple(fc.constantFrom('', 'Claimant ', 'nino was ', '(', 'number: '), fc.constantFrom('', ' confirmed', ').', ' on the phone'));

describe('properties', () => {
  const ninoLetters = { first: 'ABCEGHJKLMNOPRSTWXYZ', second: 'ABCEGHJKLMNPRSTWXYZ', suffix: 'ABCD' };
  const validNino = fc
    .tuple(fc.constantFrom(...ninoLetters.first), fc.constantFrom(...ninoLetters.second), fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 6, maxLength: 6 }), fc.constantFrom(...ninoLetters.suffix), fc.boolean())
    .filter(([a, b]) => !['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ'].includes(a + b))
    .map(([a, b, digits, suffix, lower]) => {
      const nino = `${a}${b}${digits.join('')}${suffix}`;
      return lower ? nino.toLowerCase() : nino;
    });

  test('every NINO, however separated, spaced, widened or split by invisible characters, is found', () => {
    fc.assert(
      fc.property(validNino.chain((nino) => disguised([...nino])), around, (text, [before, after]) => {
        expect(personalDetailIn(before + text.replace(/[\s\-_/.\u00AD\u200B\u2060\uFEFF–]+$/u, '') + after)).toBe('national-insurance-number');
      }),
      RUNS,
    );
  });

  test('every mobile in the drama range, however written, is found', () => {
    const national = fc.integer({ min: 0, max: 999 }).map((n) => `07700900${String(n).padStart(3, '0')}`);
    // The country code is written whole ("+44", "0044"), then any digit may be separated from the next.
    const written = fc.tuple(fc.constantFrom('0', 'O', 'o', '+44 ', '+44', '0044 ', '(0'), national).chain(([start, number]) =>
      disguised([...number.slice(1)]).map((rest) => start + rest),
    );
    fc.assert(
      fc.property(written, around, (text, [before, after]) => {
        expect(personalDetailIn(before + text.replace(/[\s\-_/.\u00AD\u200B\u2060\uFEFF–]+$/u, '') + after)).toBe('phone-number');
      }),
      RUNS,
    );
  });

  test('dates, times and references as staff write them are never taken for either', () => {
    const pad = (n: number, width = 2) => String(n).padStart(width, '0');
    const date = fc.tuple(fc.integer({ min: 1, max: 28 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 2000, max: 2039 }), fc.constantFrom('/', '-', '.', ' '));
    const dateText = date.chain(([d, m, y, sep]) => fc.constantFrom(`${pad(d)}${sep}${pad(m)}${sep}${y}`, `${y}-${pad(m)}-${pad(d)}`));
    const time = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 })).map(([h, m]) => `${pad(h)}:${pad(m)}`);
    const reference = fc
      .tuple(fc.constantFrom('REF', 'PIP', 'ASSESS', 'WCA', 'CASE'), fc.integer({ min: 2000, max: 2039 }), fc.integer({ min: 0, max: 999_999 }), fc.constantFrom('-', '_', '/'))
      .map(([prefix, year, n, sep]) => `${prefix}${sep}${year}${sep}${pad(n, 4)}`);
    const reason = fc.array(fc.oneof(dateText, time, reference, fc.constantFrom('seen on', 'at', 'ref', 'called back', 'and')), { minLength: 1, maxLength: 6 }).map((words) => words.join(' '));
    fc.assert(
      fc.property(reason, (text) => {
        expect(personalDetailIn(text)).toBeUndefined();
      }),
      RUNS,
    );
  });
});
