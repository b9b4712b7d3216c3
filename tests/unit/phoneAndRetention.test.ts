import { maskPhone, parseUkMobile } from '../../server/policy/phone';
import { retainUntil } from '../../server/policy/retention';

describe('parseUkMobile', () => {
  test.each([
    ['07700 900123', '+447700900123'],
    ['+44 7700 900123', '+447700900123'],
    ['07911 123456', '+447911123456'],
    ['(07911) 123-456', '+447911123456'],
    ['00447911123456', '+447911123456'],
  ])('accepts %s as %s', (input, e164) => {
    expect(parseUkMobile(input)).toEqual({ ok: true, e164 });
  });

  test.each([
    ['a landline', '020 7946 0000'],
    ['a French mobile', '+33 6 12 34 56 78'],
    ['too short', '07911 12345'],
    ['letters', 'call me'],
    ['a huge string', '0'.repeat(10_000)],
    ['nothing', ''],
  ])('refuses %s', (_name, input) => {
    expect(parseUkMobile(input)).toEqual({ ok: false });
  });

  test('masks all but the first two and last three digits', () => {
    expect(maskPhone('+447700900123')).toBe('07*** ***123');
  });
});

describe('retainUntil', () => {
  test('is 24 months after the recording', () => {
    expect(retainUntil(new Date('2026-11-23T10:15:00Z'), 24).toISOString()).toBe('2028-11-23T10:15:00.000Z');
  });

  test('clamps to the end of a shorter month', () => {
    expect(retainUntil(new Date('2026-03-31T08:00:00Z'), 1).toISOString()).toBe('2026-04-30T08:00:00.000Z');
    expect(retainUntil(new Date('2028-02-29T08:00:00Z'), 24).toISOString()).toBe('2030-02-28T08:00:00.000Z');
  });
});
