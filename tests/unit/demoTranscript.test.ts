import { DEMO_SECONDS } from '../../server/demo';
import { demoAudio, demoSegments } from '../../server/demoAudio';
import { demoTranscript } from '../../server/demoTranscript';
import { checkTranscript } from '../../server/policy/transcript';

describe("the demo recording's transcript", () => {
  test('has one cue per chimed phrase, each timed to its phrase, and passes the checks every transcript does', () => {
    const segments = demoSegments(DEMO_SECONDS);
    const check = checkTranscript(demoTranscript(DEMO_SECONDS), DEMO_SECONDS, 2048 * 1024);
    if (!check.ok) throw new Error(`refused: ${JSON.stringify(check)}`);
    expect(check.cues).toHaveLength(segments.length);
    check.cues.forEach((cue, n) => {
      expect(cue.start).toBeCloseTo(segments[n].start, 2);
      expect(cue.end).toBeCloseTo(segments[n].end, 2);
    });
    expect(check.cues.at(-1)!.end).toBeLessThanOrEqual(DEMO_SECONDS);
  });

  test('the segments are where the audio sounds: loud inside a phrase, silent in the pause after it', () => {
    const sampleRate = 8_000;
    const audio = demoAudio(60, sampleRate);
    const pcm = new Int16Array(audio.buffer, audio.byteOffset + 44, (audio.length - 44) / 2);
    const loudest = (from: number, to: number) => pcm.subarray(Math.round(from * sampleRate), Math.round(to * sampleRate)).reduce((most, sample) => Math.max(most, Math.abs(sample)), 0);
    const segments = demoSegments(60, sampleRate);
    for (const [n, segment] of segments.slice(0, -1).entries()) {
      expect(loudest(segment.start, segment.start + 0.1)).toBeGreaterThan(1000);
      expect(loudest(segment.end + 0.01, segments[n + 1].start - 0.01)).toBe(0);
    }
  });
});
