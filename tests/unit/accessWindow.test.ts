import { attemptsRemaining, linkAccess, linkEndsAt, windowBounds, type AccessRules, type LinkFacts } from '../../server/policy/accessWindow';
import { DAY, HOUR } from '../support/testClock';

const rules: AccessRules = { linkTtlMs: 7 * DAY, redownloadWindowMs: 24 * HOUR, maxNinoAttempts: 5 };
const sentAt = new Date('2026-03-01T09:00:00.000Z');
const at = (ms: number) => new Date(sentAt.getTime() + ms);

function facts(overrides: Partial<LinkFacts> = {}): LinkFacts {
  return { sentAt, firstDownloadAt: null, revokedAt: null, lockedAt: null, recordingAvailable: true, ...overrides };
}

describe('linkAccess', () => {
  test('is open from the moment the link is sent', () => {
    expect(linkAccess(facts(), sentAt, rules)).toEqual({ state: 'open', endsAt: at(7 * DAY) });
  });

  test('is open one millisecond before 7 days and expired at exactly 7 days', () => {
    expect(linkAccess(facts(), at(7 * DAY - 1), rules).state).toBe('open');
    expect(linkAccess(facts(), at(7 * DAY), rules)).toEqual({ state: 'expired', endedAt: at(7 * DAY) });
  });

  test('after the first download, is open until one millisecond before 24 hours later, and expired at 24 hours', () => {
    const firstDownloadAt = at(2 * DAY);
    expect(linkAccess(facts({ firstDownloadAt }), at(3 * DAY - 1), rules)).toEqual({ state: 'open', endsAt: at(3 * DAY) });
    expect(linkAccess(facts({ firstDownloadAt }), at(3 * DAY), rules).state).toBe('expired');
  });

  test('a first download near day 7 does not extend the link past day 7', () => {
    const firstDownloadAt = at(7 * DAY - HOUR);
    expect(linkEndsAt(facts({ firstDownloadAt }), rules)).toEqual(at(7 * DAY));
    expect(linkAccess(facts({ firstDownloadAt }), at(7 * DAY - 1), rules).state).toBe('open');
    expect(linkAccess(facts({ firstDownloadAt }), at(7 * DAY), rules).state).toBe('expired');
  });

  test('a first download exactly 24 hours before day 7 ends at day 7 either way', () => {
    expect(linkEndsAt(facts({ firstDownloadAt: at(6 * DAY) }), rules)).toEqual(at(7 * DAY));
  });

  test('a locked link is locked while its window lasts, and expired after', () => {
    const lockedAt = at(HOUR);
    expect(linkAccess(facts({ lockedAt }), at(2 * HOUR), rules).state).toBe('locked');
    expect(linkAccess(facts({ lockedAt }), at(7 * DAY), rules).state).toBe('expired');
  });

  test('a replaced link says so, even after it would have expired', () => {
    expect(linkAccess(facts({ revokedAt: at(HOUR) }), at(2 * HOUR), rules).state).toBe('replaced');
    expect(linkAccess(facts({ revokedAt: at(HOUR) }), at(8 * DAY), rules).state).toBe('replaced');
  });

  test('a recording that is gone is unavailable whatever the link says', () => {
    expect(linkAccess(facts({ recordingAvailable: false, revokedAt: at(HOUR) }), at(HOUR), rules).state).toBe('unavailable');
  });

  test('follows configured periods', () => {
    const short = { ...rules, linkTtlMs: 2 * DAY, redownloadWindowMs: HOUR };
    expect(linkAccess(facts(), at(2 * DAY), short).state).toBe('expired');
    expect(linkAccess(facts({ firstDownloadAt: at(HOUR) }), at(2 * HOUR), short).state).toBe('expired');
  });
});

test('attemptsRemaining counts down to zero and never below', () => {
  expect(attemptsRemaining(0, rules)).toBe(5);
  expect(attemptsRemaining(4, rules)).toBe(1);
  expect(attemptsRemaining(7, rules)).toBe(0);
});

describe('windowBounds (the window as the download redemption\'s SQL checks it)', () => {
  // linkStore.redeemDownload: sent_at > sentAfter and (first_download_at is null or first_download_at > firstDownloadAfter).
  const insideBounds = (link: LinkFacts, now: Date) => {
    const { sentAfter, firstDownloadAfter } = windowBounds(now, rules);
    return link.sentAt > sentAfter && (link.firstDownloadAt === null || link.firstDownloadAt > firstDownloadAfter);
  };

  test.each([
    ['never downloaded, just before 7 days', facts(), at(7 * DAY - 1)],
    ['never downloaded, at exactly 7 days', facts(), at(7 * DAY)],
    ['downloaded on day 2, just before 24 hours later', facts({ firstDownloadAt: at(2 * DAY) }), at(3 * DAY - 1)],
    ['downloaded on day 2, at exactly 24 hours later', facts({ firstDownloadAt: at(2 * DAY) }), at(3 * DAY)],
    ['downloaded an hour before 7 days, just before 7 days', facts({ firstDownloadAt: at(7 * DAY - HOUR) }), at(7 * DAY - 1)],
    ['downloaded an hour before 7 days, at exactly 7 days', facts({ firstDownloadAt: at(7 * DAY - HOUR) }), at(7 * DAY)],
  ])('agree with linkAccess: %s', (_case, link, now) => {
    expect(insideBounds(link, now)).toBe(linkAccess(link, now, rules).state === 'open');
  });
});
