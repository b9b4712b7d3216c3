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
