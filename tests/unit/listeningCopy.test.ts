import { lengthsAgree, listeningCopyReason, MAX_LISTENING_BYTES_PER_HOUR } from '../../server/policy/listeningCopy';

const HOUR = 3600;

describe('which originals get a listening copy', () => {
  test('OGG and FLAC always do, however small: iOS Safari before 17 plays no OGG, few phones play FLAC', () => {
    expect(listeningCopyReason({ contentType: 'audio/ogg', sizeBytes: 1_000, durationSeconds: HOUR })).toBe('phone-format');
    expect(listeningCopyReason({ contentType: 'audio/flac', sizeBytes: 1_000, durationSeconds: null })).toBe('phone-format');
  });

  test('an original of exactly 30 MB an hour is kept as it is; one byte more an hour gets a copy', () => {
    expect(listeningCopyReason({ contentType: 'audio/mpeg', sizeBytes: MAX_LISTENING_BYTES_PER_HOUR, durationSeconds: HOUR })).toBeUndefined();
    expect(listeningCopyReason({ contentType: 'audio/mpeg', sizeBytes: MAX_LISTENING_BYTES_PER_HOUR + 1, durationSeconds: HOUR })).toBe('large');
    // 90 minutes at 45 MB is exactly the rate; a 16 kHz WAV (115 MB an hour) is far over it, even for 2 minutes.
    expect(listeningCopyReason({ contentType: 'audio/mp4', sizeBytes: 45_000_000, durationSeconds: 1.5 * HOUR })).toBeUndefined();
    expect(listeningCopyReason({ contentType: 'audio/wav', sizeBytes: 3_840_044, durationSeconds: 120 })).toBe('large');
  });

  test('without a known length, the file itself must be over 30 MB', () => {
    for (const durationSeconds of [null, undefined, 0]) {
      expect(listeningCopyReason({ contentType: 'audio/mpeg', sizeBytes: MAX_LISTENING_BYTES_PER_HOUR, durationSeconds })).toBeUndefined();
      expect(listeningCopyReason({ contentType: 'audio/mpeg', sizeBytes: MAX_LISTENING_BYTES_PER_HOUR + 1, durationSeconds })).toBe('large');
    }
  });

  test("a copy's length must be within a second of the original's", () => {
    expect(lengthsAgree(120, 121)).toBe(true);
    expect(lengthsAgree(120, 118.999)).toBe(false);
    expect(lengthsAgree(null, 30)).toBe(true);
    expect(lengthsAgree(null, 0)).toBe(false);
  });
});
