import { checkTranscript, clockTime, transcriptPlainText } from '../../server/policy/transcript';

// The page's helpers (static/js/transcript-cues.mjs), run here as the browser runs them.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const cuesHelpers = require('../../static/js/transcript-cues.mjs') as {
  cueIndexAt(cues: Array<{ start: number; end: number }>, seconds: number): number;
  matchRanges(text: string, query: string): Array<[number, number]>;
  matchingCues(cues: Array<{ text: string }>, query: string): number[];
};

const vtt = (...cues: string[]) => Buffer.from(['WEBVTT', ...cues].join('\n\n'));
const MB = 1024 * 1024;

describe('checking a transcript', () => {
  test('cues come back as plain text with their times; entities are decoded', () => {
    const check = checkTranscript(vtt('1\n00:01.000 --> 00:02.500\nFish &amp; chips\nfor tea', '00:00:03.000 --> 00:00:04.000\n3 &lt; 4'), 10, MB);
    expect(check).toEqual({ ok: true, cues: [{ start: 1, end: 2.5, text: 'Fish & chips\nfor tea' }, { start: 3, end: 4, text: '3 < 4' }] });
  });

  test('a cue may end up to a second after the recording, not more; an unknown length is not checked', () => {
    expect(checkTranscript(vtt('00:00:01.000 --> 00:00:11.000\nend'), 10, MB).ok).toBe(true);
    expect(checkTranscript(vtt('00:00:01.000 --> 00:00:11.001\nend'), 10, MB)).toMatchObject({ ok: false, problem: 'past-end' });
    expect(checkTranscript(vtt('00:00:01.000 --> 01:00:00.000\nend'), null, MB).ok).toBe(true);
  });

  test('the size bound is exact', () => {
    const file = vtt('00:00:01.000 --> 00:00:02.000\nhello');
    expect(checkTranscript(file, 10, file.length).ok).toBe(true);
    expect(checkTranscript(file, 10, file.length - 1)).toMatchObject({ ok: false, problem: 'too-large' });
  });

  test.each([
    ['<c.loud>', '00:00:01.000 --> 00:00:02.000\n<c.loud>hi</c>'],
    ['<0:00:01>', '00:00:01.000 --> 00:00:02.000\nhi <00:00:01.500>there'],
    ['<lang cy>', '00:00:01.000 --> 00:00:02.000\n<lang cy>bore da</lang>'],
  ])('markup is refused and named: %s', (tag, cue) => {
    const check = checkTranscript(vtt(cue), 10, MB);
    expect(check).toMatchObject({ ok: false, problem: 'markup' });
    expect(!check.ok && check.detail).toContain(`(${tag})`);
  });

  test('cues out of order are malformed, with the line', () => {
    const check = checkTranscript(vtt('00:00:05.000 --> 00:00:06.000\nb', '00:00:01.000 --> 00:00:02.000\na'), 10, MB);
    expect(check).toMatchObject({ ok: false, problem: 'malformed' });
    expect(!check.ok && check.detail).toBe('not valid WebVTT: line 6: Start timestamp is not greater than or equal to start timestamp of previous cue.');
  });

  test('plain text puts each cue under its time', () => {
    expect(clockTime(3725.9)).toBe('1:02:05');
    expect(transcriptPlainText([{ start: 1, end: 2, text: 'a' }, { start: 62, end: 63, text: 'b' }])).toBe('[0:00:01]\na\n\n[0:01:02]\nb\n');
  });
});

describe('the page finding cues', () => {
  const cues = [
    { start: 0, end: 10, text: 'Hello' },
    { start: 10, end: 20, text: 'Can you cook?' },
    { start: 15, end: 25, text: 'Overlapping café' },
    { start: 30, end: 40, text: 'COOK again, cook' },
  ];

  test('the cue being said: the latest started that has not ended, none in a gap', () => {
    expect([0, 9.99, 10, 14, 15, 22, 26, 30, 40, -1].map((t) => cuesHelpers.cueIndexAt(cues, t))).toEqual([0, 0, 1, 1, 2, 2, -1, 3, -1, -1]);
    expect(cuesHelpers.cueIndexAt([], 3)).toBe(-1);
  });

  test('search ignores case and accents, and gives ranges of the text as written', () => {
    expect(cuesHelpers.matchingCues(cues, 'cook')).toEqual([1, 3]);
    expect(cuesHelpers.matchingCues(cues, 'CAFE')).toEqual([2]);
    expect(cuesHelpers.matchRanges('COOK again, cook', 'Cook')).toEqual([[0, 4], [12, 16]]);
    expect(cuesHelpers.matchRanges('Overlapping cafe\u0301', 'café')).toEqual([[12, 17]]);
    expect(cuesHelpers.matchRanges('anything', '   ')).toEqual([]);
  });
});
