import { planBytes, slicesOf } from '../../server/policy/byteRange';

describe('the slices an answer is read in', () => {
  test('cover the span exactly, in order, none longer than a slice', () => {
    expect(slicesOf({ start: 0, end: 9 }, 4)).toEqual([
      { start: 0, end: 3 },
      { start: 4, end: 7 },
      { start: 8, end: 9 },
    ]);
    expect(slicesOf({ start: 5, end: 12 }, 4)).toEqual([
      { start: 5, end: 8 },
      { start: 9, end: 12 },
    ]);
    expect(slicesOf({ start: 0, end: 9 }, Infinity)).toEqual([{ start: 0, end: 9 }]);
  });

  test('a whole 57 MB answer is fourteen 4 MiB reads; an empty one is one read', () => {
    const size = 57 * 1000 * 1000;
    const slices = slicesOf(planBytes({ range: undefined, ifRange: undefined, size, etag: '"e"' }) as { start: number; end: number }, 4 * 1024 * 1024);
    expect(slices).toHaveLength(14);
    expect(slices.reduce((sum, slice) => sum + slice.end - slice.start + 1, 0)).toBe(size);
    expect(slicesOf({ start: 0, end: -1 }, 4)).toEqual([{ start: 0, end: -1 }]);
  });
});
