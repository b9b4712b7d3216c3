import type { Clock } from '../../server/clock';

/** A clock the test moves by hand, so time rules are checked at their exact boundaries. */
export function testClock(start: Date = new Date()) {
  let now = start.getTime();
  const clock: Clock & { set(date: Date): void; advance(ms: number): void } = Object.assign(() => new Date(now), {
    set: (date: Date) => {
      now = date.getTime();
    },
    advance: (ms: number) => {
      now += ms;
    },
  });
  return clock;
}

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
