import { checkTranscript, CUES_PER_SECOND, MAX_CUE_CHARACTERS, MAX_CUES, maxCuesFor } from '../../server/policy/transcript';

const clock = (ms: number) => {
  const s = Math.floor(ms / 1000);
  return `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}.${String(ms % 1000).padStart(3, '0')}`;
};
/** `count` cues of 10 ms each, from the start. */
const cues = (count: number, text = 'ok') => Buffer.from(['WEBVTT', ...Array.from({ length: count }, (_, i) => `${clock(i * 10)} --> ${clock(i * 10 + 10)}\n${text}`)].join('\n\n'));
const BIG = 64 * 1024 * 1024;

describe('what speech can hold', () => {
  test('one cue a half-second of the recording: 60 s allows exactly 120 cues, not 121', () => {
    expect(maxCuesFor(60)).toBe(60 * CUES_PER_SECOND);
    expect(checkTranscript(cues(120), 60, BIG).ok).toBe(true);
    expect(checkTranscript(cues(121), 60, BIG)).toMatchObject({ ok: false, problem: 'too-many-cues', detail: 'the transcript has 121 cues; a transcript may have at most 120 (one for each half-second of the recording, which lasts 0:01:00)' });
  });

  test('a part-second rounds up, and the shortest recording still allows one cue', () => {
    expect(maxCuesFor(0.186)).toBe(1);
    expect(maxCuesFor(10.2)).toBe(21);
    expect(checkTranscript(cues(21), 10.2, BIG).ok).toBe(true);
    expect(checkTranscript(cues(22), 10.2, BIG)).toMatchObject({ ok: false, problem: 'too-many-cues' });
  });

  test(`never more than ${MAX_CUES} cues, however long the recording or when its length is unknown`, () => {
    expect(maxCuesFor(100 * 3600)).toBe(MAX_CUES);
    expect(maxCuesFor(null)).toBe(MAX_CUES);
    expect(checkTranscript(cues(MAX_CUES), null, BIG).ok).toBe(true);
    expect(checkTranscript(cues(MAX_CUES + 1), 100 * 3600, BIG)).toMatchObject({ ok: false, problem: 'too-many-cues', detail: `the transcript has ${MAX_CUES + 1} cues; a transcript may have at most ${MAX_CUES}` });
  });

  test(`the 50,000-cue transcript (1.6 MB) of a 20-minute recording is refused`, () => {
    const file = cues(50_000, 'x');
    expect(file.length).toBeLessThan(2 * 1024 * 1024);
    expect(checkTranscript(file, 20 * 60, BIG)).toMatchObject({ ok: false, problem: 'too-many-cues' });
  });

  test(`a cue holds at most ${MAX_CUE_CHARACTERS} characters of text, counted after entities are decoded`, () => {
    expect(checkTranscript(cues(1, 'a'.repeat(MAX_CUE_CHARACTERS)), 60, BIG).ok).toBe(true);
    expect(checkTranscript(cues(1, '&amp;'.repeat(MAX_CUE_CHARACTERS)), 60, BIG).ok).toBe(true);
    expect(checkTranscript(cues(1, 'a'.repeat(MAX_CUE_CHARACTERS + 1)), 60, BIG)).toMatchObject({
      ok: false,
      problem: 'cue-too-long',
      detail: `cue 1 (at 0:00:00) holds ${MAX_CUE_CHARACTERS + 1} characters of text; a cue may hold at most ${MAX_CUE_CHARACTERS}`,
    });
  });

  test('a transcript read back from storage is not held to them (it was accepted when it came)', () => {
    expect(checkTranscript(cues(121), 60, BIG, { speechBounds: false }).ok).toBe(true);
    expect(checkTranscript(cues(1, 'a'.repeat(MAX_CUE_CHARACTERS + 1)), null, BIG, { speechBounds: false }).ok).toBe(true);
  });
});
