import { formatNino, parseNino } from '../../server/policy/nino';

describe('parseNino', () => {
  test.each([
    ['AB123456C', 'AB123456C'],
    ['ab 12 34 56 c', 'AB123456C'],
    ['  AB 12 34 56 C  ', 'AB123456C'],
    ['AB-12-34-56-C', 'AB123456C'],
    ['AB.12.34.56.C', 'AB123456C'],
    ['ＡＢ１２３４５６Ｃ', 'AB123456C'],
    ['AB\u00a012\u00a034\u00a056\u00a0C', 'AB123456C'],
    ['ab\t123456\nd', 'AB123456D'],
    ['JG103045A', 'JG103045A'],
  ])('accepts %j as %s', (input, nino) => {
    expect(parseNino(input)).toEqual({ ok: true, nino });
  });

  test.each(['A', 'B', 'C', 'D'])('accepts the suffix %s', (suffix) => {
    expect(parseNino(`AB123456${suffix}`).ok).toBe(true);
  });

  test.each(['E', 'Z', '1'])('refuses the suffix %s', (suffix) => {
    expect(parseNino(`AB123456${suffix}`)).toEqual({ ok: false, reason: 'format' });
  });

  test.each(['D', 'F', 'I', 'Q', 'U', 'V'])('refuses %s as the first letter', (letter) => {
    expect(parseNino(`${letter}A123456C`)).toEqual({ ok: false, reason: 'format' });
  });

  test.each(['D', 'F', 'I', 'O', 'Q', 'U', 'V'])('refuses %s as the second letter', (letter) => {
    expect(parseNino(`A${letter}123456C`)).toEqual({ ok: false, reason: 'format' });
  });

  test.each(['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ'])('refuses the unallocated prefix %s', (prefix) => {
    expect(parseNino(`${prefix}123456C`)).toEqual({ ok: false, reason: 'format' });
  });

  test.each([
    ['empty', ''],
    ['spaces only', '   '],
  ])('calls %s input empty', (_name, input) => {
    expect(parseNino(input)).toEqual({ ok: false, reason: 'empty' });
  });

  test.each([
    ['too short', 'AB12345C'],
    ['too long', 'AB1234567C'],
    ['letters for digits', 'ABCDEFGHC'],
    ['a huge string', 'A'.repeat(100_000)],
    ['SQL', "AB123456C' OR '1'='1"],
    ['markup', '<script>alert(1)</script>'],
    ['a NUL byte', 'AB123456C\u0000'],
    ['a lone surrogate', 'AB123456\ud800'],
    ['right-to-left override', '\u202eAB123456C'],
    ['emoji', 'AB123456🙂'],
  ])('refuses %s', (_name, input) => {
    expect(parseNino(input)).toEqual({ ok: false, reason: 'format' });
  });

  test.each([undefined, null, 42, ['AB123456C'], { nino: 'AB123456C' }])('treats %j (not a string) as empty', (input) => {
    expect(parseNino(input)).toEqual({ ok: false, reason: 'empty' });
  });
});

test('formatNino prints the letter layout', () => {
  expect(formatNino('AB123456C')).toBe('AB 12 34 56 C');
});
