import { readFileSync } from 'node:fs';
import path from 'node:path';
import { m4aIndexFirst } from '../../server/policy/audioFormat';
import { decodedAgreesWithStated, DECODE_TOLERANCE, wavHoldsNoSurplus } from '../../server/policy/audioSize';
import { framesAccountForSize, frameHeaderAt, mp3FrameWalker, type FrameWalk } from '../../server/policy/mp3Frames';
import { wavHeader } from '../../server/demoAudio';

const fixture = (extension: string) => readFileSync(path.join(__dirname, '..', 'fixtures', 'audio', `five-seconds.${extension}`));
/** A deterministic noise: no run of it is an MPEG frame chain. */
const noise = (bytes: number) => Buffer.from(Array.from({ length: bytes }, (_, i) => (i * 2654435761) >>> 24));

function walked(file: Buffer, chunkBytes: number): FrameWalk {
  const walker = mp3FrameWalker();
  for (let at = 0; at < file.length; at += chunkBytes) walker.push(file.subarray(at, at + chunkBytes));
  return walker.end();
}

describe('walking MP3 frames', () => {
  test('a real MP3 is frames from its tag to its end, however it is cut into chunks', () => {
    const mp3 = fixture('mp3');
    for (const chunk of [1, 333, 65_536]) {
      const walk = walked(mp3, chunk);
      expect(walk.otherBytes).toBe(0);
      expect(walk.tagBytes + walk.frameBytes).toBe(mp3.length);
      expect(walk.durationSeconds).toBeCloseTo(5.09, 1);
      expect(framesAccountForSize(walk)).toEqual({ ok: true });
    }
  });

  test('a frame header is read as the standard says (MPEG-1 Layer III, 128 kbit/s, 44.1 kHz: 417 bytes, 418 padded)', () => {
    expect(frameHeaderAt(Buffer.from([0xff, 0xfb, 0x90, 0x00]), 0)).toMatchObject({ bytes: 417, samples: 1152, sampleRate: 44100 });
    expect(frameHeaderAt(Buffer.from([0xff, 0xfb, 0x92, 0x00]), 0)).toMatchObject({ bytes: 418 });
    expect(frameHeaderAt(Buffer.from([0xff, 0xfb, 0xf0, 0x00]), 0)).toBeUndefined(); // bitrate index 15
    expect(frameHeaderAt(Buffer.from([0xff, 0xeb, 0x90, 0x00]), 0)).toBeUndefined(); // version "reserved"
  });

  test('one frame and then noise: the frames are a sliver of the file, and it is refused', () => {
    const mp3 = fixture('mp3');
    const file = Buffer.concat([mp3.subarray(0, 45 + 300), noise(500 * 1024)]);
    const walk = walked(file, 4096);
    expect(walk.frameBytes).toBeLessThan(400);
    expect(framesAccountForSize(walk)).toMatchObject({ ok: false, reason: expect.stringMatching(/^the MP3 file is corrupt: only \d+ of its \d+ bytes/) });
  });

  test('up to 16 KiB (or 2 %) that are not frames is allowed, a trailing tag for one; a byte more is not', () => {
    const walk: FrameWalk = { frameBytes: 100_000, otherBytes: 16 * 1024, tagBytes: 0, frames: 100, durationSeconds: 10 };
    expect(framesAccountForSize(walk).ok).toBe(true);
    expect(framesAccountForSize({ ...walk, otherBytes: 16 * 1024 + 1 }).ok).toBe(false);
    const long: FrameWalk = { frameBytes: 9_800_000, otherBytes: 200_000, tagBytes: 0, frames: 1000, durationSeconds: 600 };
    expect(framesAccountForSize(long).ok).toBe(true);
    expect(framesAccountForSize({ ...long, otherBytes: 200_001 }).ok).toBe(false);
  });
});

describe('what ffmpeg decodes against what the file states', () => {
  const clean = (seconds: number) => ({ seconds, errorLines: 0 });
  test(`within ${DECODE_TOLERANCE.seconds} s or ${DECODE_TOLERANCE.fraction * 100} %, whichever is more`, () => {
    expect(decodedAgreesWithStated('mp3', 5, clean(4)).ok).toBe(true);
    expect(decodedAgreesWithStated('mp3', 5, clean(3.99)).ok).toBe(false);
    expect(decodedAgreesWithStated('flac', 3600, clean(3600 - 72)).ok).toBe(true);
    expect(decodedAgreesWithStated('flac', 3600, clean(3600 - 72.01))).toMatchObject({ ok: false, reason: 'the FLAC file is corrupt: it states 3600.00 s of audio but 3527.99 s of it decodes' });
    expect(decodedAgreesWithStated('ogg', 5, clean(6)).ok).toBe(true);
    expect(decodedAgreesWithStated('ogg', 5, clean(6.01)).ok).toBe(false);
  });

  test('at most one error line a second of audio, and never fewer than 10 allowed', () => {
    expect(decodedAgreesWithStated('m4a', 5, { seconds: 5, errorLines: 10 }).ok).toBe(true);
    expect(decodedAgreesWithStated('m4a', 5, { seconds: 5, errorLines: 11 })).toMatchObject({ ok: false, reason: 'the M4A file is corrupt: decoding its 5.00 s of audio reported 11 errors' });
    expect(decodedAgreesWithStated('m4a', 600, { seconds: 600, errorLines: 600 }).ok).toBe(true);
    expect(decodedAgreesWithStated('m4a', 600, { seconds: 600, errorLines: 601 }).ok).toBe(false);
  });
});

describe('a WAV against its data chunk', () => {
  const header = wavHeader(8000, 8000); // 16,000 bytes of audio stated
  test('up to 64 KiB after its audio is allowed (trailing chunks), a byte more is not', () => {
    expect(wavHoldsNoSurplus(header, header.length + 16_000 + 64 * 1024).ok).toBe(true);
    expect(wavHoldsNoSurplus(header, header.length + 16_000 + 64 * 1024 + 1)).toMatchObject({ ok: false, reason: expect.stringMatching(/65537 more bytes follow that are not its audio$/) });
  });
});

test('an M4A can be decoded as it streams only when its index comes before its audio', () => {
  expect(m4aIndexFirst(fixture('m4a'))).toBe(true);
  const box = (type: string, bytes: number) => Buffer.concat([Buffer.from([0, 0, (bytes >> 8) & 0xff, bytes & 0xff]), Buffer.from(type, 'latin1'), Buffer.alloc(bytes - 8)]);
  expect(m4aIndexFirst(Buffer.concat([box('ftyp', 24), box('mdat', 64), box('moov', 32)]))).toBe(false);
  expect(m4aIndexFirst(Buffer.concat([box('ftyp', 24), box('free', 8), box('moov', 32), box('mdat', 64)]))).toBe(true);
});
