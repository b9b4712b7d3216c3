import { RECORDED_AT_CLOCK_SKEW_MS, recordedAtProblem } from '../../server/policy/recordedAt';

const NOW = new Date('2026-11-23T10:00:00.000Z');
const at = (iso: string) => new Date(iso);
const MS = 1;

describe('when a recording may say it was made', () => {
  test('now, or up to five minutes ahead of the portal clock (a provider clock running fast), is taken', () => {
    expect(RECORDED_AT_CLOCK_SKEW_MS).toBe(5 * 60_000);
    expect(recordedAtProblem(NOW, NOW, 24)).toBeUndefined();
    expect(recordedAtProblem(new Date(NOW.getTime() + RECORDED_AT_CLOCK_SKEW_MS), NOW, 24)).toBeUndefined();
  });

  test('a millisecond past the skew, or next year, is refused as in the future, naming the portal clock', () => {
    for (const future of [new Date(NOW.getTime() + RECORDED_AT_CLOCK_SKEW_MS + MS), at('2027-11-23T10:00:00Z'), at('+275760-09-13T00:00:00Z')]) {
      expect(recordedAtProblem(future, NOW, 24)).toMatch(/^must not be in the future \(the portal's clock says 2026-11-23T10:00:00\.000Z/);
    }
  });

  test('the oldest taken is the one whose retention period ends a millisecond from now; the one ending now is refused', () => {
    expect(recordedAtProblem(at('2024-11-23T10:00:00.001Z'), NOW, 24)).toBeUndefined();
    expect(recordedAtProblem(at('2024-11-23T10:00:00.000Z'), NOW, 24)).toBe(
      'is more than the retention period (RETENTION_MONTHS=24) ago: a recording made then was due for deletion on 2026-11-23T10:00:00.000Z',
    );
    expect(recordedAtProblem(at('1900-01-01T00:00:00Z'), NOW, 24)).toMatch(/^is more than the retention period/);
  });

  test('the bound follows RETENTION_MONTHS, month ends as retention counts them', () => {
    expect(recordedAtProblem(at('2025-11-23T10:00:00.000Z'), NOW, 12)).toMatch(/RETENTION_MONTHS=12/);
    expect(recordedAtProblem(at('2025-11-23T10:00:00.001Z'), NOW, 12)).toBeUndefined();
    expect(recordedAtProblem(at('1927-01-01T00:00:00Z'), NOW, 1200)).toBeUndefined();
    // 31 March plus one month is 30 April: recorded on 31 March, it is deleted at the start of 30 April's same time.
    const april30 = at('2026-04-30T09:00:00.000Z');
    expect(recordedAtProblem(at('2026-03-31T09:00:00.000Z'), new Date(april30.getTime() - MS), 1)).toBeUndefined();
    expect(recordedAtProblem(at('2026-03-31T09:00:00.000Z'), april30, 1)).toMatch(/due for deletion on 2026-04-30T09:00:00\.000Z/);
  });

  test('a date that could not be read is refused with an example of one that can', () => {
    expect(recordedAtProblem(new Date('yesterday'), NOW, 24)).toBe('must be a date and time, such as 2026-11-20T10:30:00Z');
  });
});
