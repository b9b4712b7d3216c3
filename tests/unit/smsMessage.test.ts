import { keyRing } from '../../server/policy/keyRing';
import { issueLinkToken } from '../../server/policy/linkToken';
import { linkMessage, smsSize, worstCaseSegments } from '../../server/policy/smsMessage';
import { linkUrl } from '../../server/services/links';

describe('smsSize counts segments as carriers do', () => {
  test.each([
    ['160 plain GSM-7 characters: one segment', 'a'.repeat(160), { encoding: 'GSM-7', units: 160, segments: 1 }],
    ['161: two parts of up to 153', 'a'.repeat(161), { encoding: 'GSM-7', units: 161, segments: 2 }],
    ['306: still two parts', 'a'.repeat(306), { encoding: 'GSM-7', units: 306, segments: 2 }],
    ['307: three parts', 'a'.repeat(307), { encoding: 'GSM-7', units: 307, segments: 3 }],
    ['extension characters count twice', '[]{}^\\|~€', { encoding: 'GSM-7', units: 18, segments: 1 }],
    ['80 euro signs are 160 septets', '€'.repeat(80), { encoding: 'GSM-7', units: 160, segments: 1 }],
    ['81 euro signs need two parts', '€'.repeat(81), { encoding: 'GSM-7', units: 162, segments: 2 }],
    ['one Welsh circumflex makes it UCS-2', `${'a'.repeat(69)}ŵ`, { encoding: 'UCS-2', units: 70, segments: 1 }],
    ['71 UCS-2 units: two parts of up to 67', `${'a'.repeat(70)}â`, { encoding: 'UCS-2', units: 71, segments: 2 }],
    ['134 UCS-2 units: two parts', `ŷ${'a'.repeat(133)}`, { encoding: 'UCS-2', units: 134, segments: 2 }],
    ['135 UCS-2 units: three parts', `ŷ${'a'.repeat(134)}`, { encoding: 'UCS-2', units: 135, segments: 3 }],
    ['a curly apostrophe is outside GSM-7', 'it’s', { encoding: 'UCS-2', units: 4, segments: 1 }],
    ['accented letters GSM-7 has stay GSM-7', 'é à ü Ñ', { encoding: 'GSM-7', units: 7, segments: 1 }],
  ])('%s', (_name, text, size) => {
    expect(smsSize(text)).toEqual(size);
  });
});

describe('the link message', () => {
  const keys = keyRing([{ id: 'k1', secret: Buffer.alloc(32, 1) }]);

  test.each(['https://recordings.dwp.gov.uk', 'https://assessment-recordings.service.gov.uk'])(
    'in English fits one GSM-7 segment with BASE_URL %s, whatever the month',
    (base) => {
      const url = linkUrl(new URL(base), issueLinkToken(keys).token);
      for (let month = 0; month < 12; month++) {
        const body = linkMessage(url, new Date(Date.UTC(2026, month, 28, 12)), 'en');
        expect(body).toContain(url);
        expect(smsSize(body)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
      }
    },
  );

  test('in Welsh keeps its circumflex and takes three UCS-2 segments', () => {
    const url = linkUrl(new URL('https://assessment-recordings.service.gov.uk'), issueLinkToken(keys).token);
    const body = linkMessage(url, new Date('2026-02-28T12:00:00Z'), 'cy');
    expect(body).toContain("Peidiwch â'i rannu");
    expect(body).toContain('28 Chwef');
    expect(smsSize(body)).toMatchObject({ encoding: 'UCS-2', segments: 3 });
  });

  test('says what it is, until when, what is needed, and not to share it', () => {
    const body = linkMessage('https://x.gov.uk/r/t', new Date('2026-11-30T12:00:00Z'), 'en');
    expect(body).toBe("Your assessment recording, until 30 Nov. Needs your NI number. Don't share: https://x.gov.uk/r/t");
  });

  test('states the last day in UK time', () => {
    expect(linkMessage('https://x.gov.uk/r/t', new Date('2026-06-30T23:30:00Z'))).toContain('until 1 Jul');
  });

  test('the worst case over the longest month names decides the budget', () => {
    expect(worstCaseSegments('https://recordings.dwp.gov.uk/r/k1.' + 'A'.repeat(32))).toEqual({ en: 1, cy: 3 });
    expect(worstCaseSegments('https://get-your-assessment-recording.service.gov.uk/r/k1.' + 'A'.repeat(32)).en).toBe(2);
  });
});
