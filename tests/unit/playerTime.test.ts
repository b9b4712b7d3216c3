// The recording page's time rules (static/js/player-time.mjs), at their edges.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const helpers = require('../../static/js/player-time.mjs') as {
  SPEEDS: number[];
  NOTE_MAX_LENGTH: number;
  formatClock(seconds: number): string;
  parseClock(text: unknown): number | null;
  timeToGoTo(text: string, lengthSeconds: number): { seconds: number } | { problem: 'empty' | 'format' | 'past-end' };
  nextSpeed(current: number, step: 1 | -1): number;
  cleanMoments(value: unknown): { seconds: number; note: string }[];
  momentsAsText(list: { title: string; dateLabel: string; date: string; fingerprintLabel: string; fingerprint: string; moments: unknown }): string;
};
const { formatClock, parseClock, timeToGoTo, nextSpeed, cleanMoments, momentsAsText } = helpers;

describe('formatClock: seconds as h:mm:ss', () => {
  test.each([
    [0, '0:00:00'],
    [0.999, '0:00:00'],
    [59, '0:00:59'],
    [60, '0:01:00'],
    [1390, '0:23:10'],
    [3599.9, '0:59:59'],
    [3600, '1:00:00'],
    [3750, '1:02:30'],
    [36_000, '10:00:00'],
  ])('%p → %p', (seconds, clock) => expect(formatClock(seconds)).toBe(clock));

  test('an unknown or negative time reads as the start', () => {
    expect([NaN, Infinity, -5].map(formatClock)).toEqual(['0:00:00', '0:00:00', '0:00:00']);
  });
});

describe('parseClock: what a claimant types into "Go to a time"', () => {
  test.each([
    ['23:10', 1390],
    [' 23:10 ', 1390],
    ['0:00', 0],
    ['0:59', 59],
    ['59:59', 3599],
    ['75:30', 4530],
    ['1:02:30', 3750],
    ['01:02:30', 3750],
    ['0:00:00', 0],
    ['99:59:59', 359_999],
  ])('%p is %p seconds', (typed, seconds) => expect(parseClock(typed)).toBe(seconds));

  test.each(['99:99', '23:60', '1:60:00', '1:00:60', '23', '23.10', '23:1', '1:2:30', '1:02:3', ':10', '-1:00', '1:02:30:00', '1000:00', 'abc', '', '23:10pm', '２３:１０'])(
    '%p is refused',
    (typed) => expect(parseClock(typed)).toBeNull(),
  );
});

describe('timeToGoTo', () => {
  test('a time at the very end goes there; a second after it is past the end', () => {
    expect(timeToGoTo('60:00', 3600)).toEqual({ seconds: 3600 });
    expect(timeToGoTo('1:00:00', 3600)).toEqual({ seconds: 3600 });
    expect(timeToGoTo('60:01', 3600)).toEqual({ problem: 'past-end' });
  });

  test('nothing typed, and something that is not a time, get their own problems', () => {
    expect(timeToGoTo('   ', 3600)).toEqual({ problem: 'empty' });
    expect(timeToGoTo('99:99', 3600)).toEqual({ problem: 'format' });
  });

  test('while the length is unknown, no time is refused for being late', () => {
    expect(timeToGoTo('2:00:00', NaN)).toEqual({ seconds: 7200 });
  });
});

test('speeds step up and down and stop at 0.75 and 2; an unlisted speed steps from normal', () => {
  expect(helpers.SPEEDS).toEqual([0.75, 1, 1.25, 1.5, 2]);
  expect([nextSpeed(1, 1), nextSpeed(1.5, 1), nextSpeed(2, 1), nextSpeed(1, -1), nextSpeed(0.75, -1), nextSpeed(3, 1)]).toEqual([1.25, 2, 2, 0.75, 0.75, 1.25]);
});

describe('moments', () => {
  test('are kept in time order, in whole seconds, with notes cut at 200 characters; damaged entries are dropped', () => {
    const long = 'x'.repeat(helpers.NOTE_MAX_LENGTH + 1);
    expect(cleanMoments([{ seconds: 90.7, note: long }, { seconds: 5, note: '' }, { seconds: -1, note: 'a' }, { seconds: 'x', note: 'b' }, null, { seconds: 7 }])).toEqual([
      { seconds: 5, note: '' },
      { seconds: 90, note: 'x'.repeat(200) },
    ]);
    expect(cleanMoments('not a list')).toEqual([]);
  });

  test('the downloaded list names the assessment date, the fingerprint and each time with its note', () => {
    const text = momentsAsText({
      title: 'Moments in my assessment recording',
      dateLabel: 'Date of the assessment',
      date: '30 November 2026',
      fingerprintLabel: 'SHA-256 fingerprint of the recording',
      fingerprint: 'ab'.repeat(32),
      moments: [{ seconds: 3750, note: 'I said I cannot cook a meal' }, { seconds: 1390, note: '' }],
    });
    expect(text.split('\r\n')).toEqual([
      'Moments in my assessment recording',
      '',
      'Date of the assessment: 30 November 2026',
      `SHA-256 fingerprint of the recording: ${'ab'.repeat(32)}`,
      '',
      '0:23:10',
      '1:02:30  I said I cannot cook a meal',
      '',
    ]);
  });
});
