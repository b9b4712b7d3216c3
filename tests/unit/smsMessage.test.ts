import { keyRing } from '../../server/policy/keyRing';
import { issueLinkToken } from '../../server/policy/linkToken';
import { fitsOneSegment, gsm7Length, linkMessage } from '../../server/policy/smsMessage';
import { linkUrl } from '../../server/services/links';

describe('the text message', () => {
  test.each([
    'https://assessment-recordings.service.gov.uk',
    'https://get-your-assessment-recording.dwp.gov.uk',
    'https://recordings.dwp.gov.uk',
  ])('fits one 160-character GSM-7 segment with BASE_URL %s', (base) => {
    const keys = keyRing([{ id: 'k12', secret: Buffer.alloc(32, 1) }]);
    const url = linkUrl(new URL(base), issueLinkToken(keys).token);
    for (const expiry of ['2026-11-30T12:00:00Z', '2026-09-30T23:30:00Z', '2027-01-01T00:00:00Z']) {
      const body = linkMessage(url, new Date(expiry));
      expect(body).toContain(url);
      expect(gsm7Length(body)).toBeDefined();
      expect(gsm7Length(body)!).toBeLessThanOrEqual(160);
      expect(fitsOneSegment(body)).toBe(true);
    }
  });

  test('states the last day in UK time', () => {
    expect(linkMessage('https://x.gov.uk/r/t', new Date('2026-06-30T23:30:00Z'))).toContain('by 1 Jul');
  });
});

describe('gsm7Length', () => {
  test('counts extension characters twice and refuses characters outside GSM-7', () => {
    expect(gsm7Length('abc')).toBe(3);
    expect(gsm7Length('€[')).toBe(4);
    expect(gsm7Length('’')).toBeUndefined();
    expect(gsm7Length('🙂')).toBeUndefined();
  });

  test('a message of 161 characters needs two segments', () => {
    expect(fitsOneSegment('a'.repeat(160))).toBe(true);
    expect(fitsOneSegment('a'.repeat(161))).toBe(false);
  });
});
