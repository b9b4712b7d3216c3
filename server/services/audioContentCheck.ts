import { m4aIndexFirst, type AudioFormat } from '../policy/audioFormat';
import { decodedAgreesWithStated, wavHoldsNoSurplus, type SizeVerdict } from '../policy/audioSize';
import { framesAccountForSize, mp3FrameWalker } from '../policy/mp3Frames';
import { startDecoder, type Decoder } from './audioDecode';

/**
 * Whether a file's audio accounts for its size, checked as it streams past: an MP3's frames are
 * walked (always: it needs no decoder), a WAV's data chunk must end near the end of the file, and
 * where there is an ffmpeg every format is decoded through and must play for as long as it states.
 * Without ffmpeg (or when it is killed or hangs) the checks that need no decoder decide alone. An M4A
 * whose index follows its audio cannot be decoded from a stream, and gets the container checks only.
 */
export function audioContentCheck(format: AudioFormat, head: Buffer, ffmpegPath: string | undefined) {
  const walker = format.extension === 'mp3' ? mp3FrameWalker() : undefined;
  const streamable = format.extension !== 'm4a' || m4aIndexFirst(head);
  const decoder: Decoder | undefined = ffmpegPath && streamable ? startDecoder(ffmpegPath) : undefined;
  decoder?.result.catch(() => undefined);
  let ended = false;

  return {
    async feed(chunk: Buffer) {
      walker?.push(chunk);
      await decoder?.feed(chunk);
    },
    /** The upload did not complete: ffmpeg is stopped. */
    abort() {
      if (!ended) decoder?.abort();
    },
    /** After the last byte: the verdict, given the duration the container states. */
    async verdict(statedSeconds: number, fileBytes: number): Promise<SizeVerdict> {
      ended = true;
      const name = format.extension.toUpperCase();
      if (format.extension === 'wav') {
        const surplus = wavHoldsNoSurplus(head, fileBytes);
        if (!surplus.ok) return (decoder?.abort(), surplus);
      }
      const walk = walker?.end();
      if (walk) {
        const frames = framesAccountForSize(walk);
        if (!frames.ok) return (decoder?.abort(), frames);
      }
      const outcome = await decoder?.end();
      if (!outcome || 'unavailable' in outcome) return { ok: true };
      if (!outcome.decoded) return { ok: false, reason: `the ${name} file could not be decoded: ${outcome.problem}` };
      return decodedAgreesWithStated(format.extension, walk ? walk.durationSeconds : statedSeconds, outcome);
    },
  };
}

export type AudioContentCheck = ReturnType<typeof audioContentCheck>;
