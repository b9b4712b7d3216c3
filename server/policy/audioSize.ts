import type { AudioExtension } from './audioFormat';

/** What a parser read of a whole file: its duration, and the bitrate its container states. */
export interface ParsedAudio {
  durationSeconds: number | undefined;
  /** Bits per second as the container states them (for M4A, its sample table's bytes over its duration). */
  bitrate: number | undefined;
}

/** The least a file must hold by what its header says, and which header says so. */
interface StatedSize {
  bytes: number;
  statedBy: string;
}

const ascii = (bytes: Buffer, start: number, length: number) => bytes.toString('latin1', start, start + length);

/** Where a RIFF/WAVE file's data chunk says it ends; undefined for a streamed WAV (size 0xFFFFFFFF) or a data chunk past the head. */
function wavStated(head: Buffer): StatedSize | undefined {
  for (let offset = 12; offset + 8 <= head.length; ) {
    const size = head.readUInt32LE(offset + 4);
    if (ascii(head, offset, 4) === 'data') {
      return size === 0xffffffff ? undefined : { bytes: offset + 8 + size, statedBy: `its data chunk states ${size} bytes of audio` };
    }
    offset += 8 + size + (size % 2);
  }
  return undefined;
}

/** Where an MP3's Xing/Info (LAME) header says its stream ends: after its ID3v2 tag, the stated number of bytes. */
function mp3Stated(head: Buffer): StatedSize | undefined {
  let start = 0;
  if (ascii(head, 0, 3) === 'ID3' && head.length >= 10) {
    const tagSize = ((head[6] & 0x7f) << 21) | ((head[7] & 0x7f) << 14) | ((head[8] & 0x7f) << 7) | (head[9] & 0x7f);
    start = 10 + tagSize + (head[5] & 0x10 ? 10 : 0);
  }
  // Some encoders pad the tag: the first frame is the first frame sync after it.
  while (start + 1 < head.length && !(head[start] === 0xff && (head[start + 1] & 0xe0) === 0xe0)) start++;
  // The tag sits after the side information, 13 to 36 bytes into the frame depending on version and channels.
  for (let offset = start + 13; offset <= start + 36 && offset + 16 <= head.length; offset++) {
    const id = ascii(head, offset, 4);
    if (id !== 'Xing' && id !== 'Info') continue;
    const flags = head.readUInt32BE(offset + 4);
    if (!(flags & 0x2)) return undefined;
    const bytes = head.readUInt32BE(offset + 8 + (flags & 0x1 ? 4 : 0));
    return { bytes: start + bytes, statedBy: `its ${id} header states ${bytes} bytes of audio` };
  }
  return undefined;
}

/**
 * The least a FLAC file can hold: every frame is at least STREAMINFO's smallest frame, and there are
 * at least total samples over the largest block size of them. (FLAC compresses silence well, so
 * nothing tighter follows from its duration.)
 */
function flacStated(head: Buffer): StatedSize | undefined {
  if (head.length < 8 + 34 || (head[4] & 0x7f) !== 0) return undefined;
  const info = head.subarray(8, 8 + 34);
  const maxBlockSize = info.readUInt16BE(2);
  const minFrameSize = info.readUIntBE(4, 3);
  const totalSamples = (info[13] & 0x0f) * 2 ** 32 + info.readUInt32BE(14);
  if (maxBlockSize === 0 || minFrameSize === 0 || totalSamples === 0) return undefined;
  const frames = Math.floor(totalSamples / maxBlockSize);
  return { bytes: 8 + 34 + frames * minFrameSize, statedBy: `its STREAMINFO states ${totalSamples} samples, at least ${frames} frames of ${minFrameSize} bytes` };
}

/** An M4A's sample table gives its audio's bytes; the parser reports them as bitrate × duration. */
function m4aStated(parsed: ParsedAudio): StatedSize | undefined {
  if (!parsed.bitrate || !parsed.durationSeconds) return undefined;
  const bytes = Math.floor((parsed.bitrate * parsed.durationSeconds) / 8);
  return { bytes, statedBy: `its sample table states ${bytes} bytes of audio` };
}

export type SizeVerdict = { ok: true } | { ok: false; reason: string };

/**
 * Whether a file holds what its container says it does: a duration, and at least as many bytes as
 * its header states for that duration. A file cut off in transfer or on disk keeps its header, so
 * the header promises more than arrived. (OGG states no length up front: its duration is read from
 * its last page, so a cut-off OGG reports the length it really has.)
 */
export function sizeAgreesWithHeader(extension: AudioExtension, head: Buffer, parsed: ParsedAudio, fileBytes: number): SizeVerdict {
  const name = extension.toUpperCase();
  if (parsed.durationSeconds === undefined || !Number.isFinite(parsed.durationSeconds) || parsed.durationSeconds <= 0) {
    return { ok: false, reason: `the ${name} file states no duration (it holds no audio the parser could find)` };
  }
  const stated = { wav: wavStated, mp3: mp3Stated, flac: flacStated, m4a: () => m4aStated(parsed), ogg: () => undefined }[extension](head);
  if (stated && stated.bytes > fileBytes) {
    return { ok: false, reason: `the ${name} file is truncated: ${stated.statedBy}, so at least ${stated.bytes} bytes in all, but the file holds ${fileBytes}` };
  }
  return { ok: true };
}

/**
 * How far the audio ffmpeg decodes may be from what the file states before it is refused: 2 % of the
 * stated duration or 1 s, whichever is more (encoder delay and padding, a damaged frame or two). And
 * how many errors it may report on the way: one line a second of audio, at least 10 (a decoder
 * conceals a damaged AAC frame, so a file of noise in a valid container can decode "in full").
 */
export const DECODE_TOLERANCE = { fraction: 0.02, seconds: 1, errorLinesPerSecond: 1, errorLines: 10 };

/** Whether the audio that decodes plays for as long as the file states (by its container, or for MP3 its frames), cleanly. */
export function decodedAgreesWithStated(extension: AudioExtension, statedSeconds: number, decoded: { seconds: number; errorLines: number }): SizeVerdict {
  const name = extension.toUpperCase();
  const allowed = Math.max(DECODE_TOLERANCE.seconds, DECODE_TOLERANCE.fraction * statedSeconds);
  if (Math.abs(decoded.seconds - statedSeconds) > allowed) {
    return { ok: false, reason: `the ${name} file is corrupt: it states ${statedSeconds.toFixed(2)} s of audio but ${decoded.seconds.toFixed(2)} s of it decodes` };
  }
  const errorsAllowed = Math.max(DECODE_TOLERANCE.errorLines, DECODE_TOLERANCE.errorLinesPerSecond * decoded.seconds);
  if (decoded.errorLines > errorsAllowed) {
    return { ok: false, reason: `the ${name} file is corrupt: decoding its ${decoded.seconds.toFixed(2)} s of audio reported ${decoded.errorLines} errors` };
  }
  return { ok: true };
}

/** What a WAV may hold after its data chunk (LIST and id3 chunks, padding) before the surplus is refused. */
export const WAV_TRAILING_BYTES_ALLOWED = { fraction: 0.02, bytes: 64 * 1024 };

/** Whether a WAV's size is what its data chunk states, give or take its trailing chunks. */
export function wavHoldsNoSurplus(head: Buffer, fileBytes: number): SizeVerdict {
  const stated = wavStated(head);
  if (!stated) return { ok: true };
  const surplus = fileBytes - stated.bytes;
  if (surplus <= Math.max(WAV_TRAILING_BYTES_ALLOWED.bytes, WAV_TRAILING_BYTES_ALLOWED.fraction * stated.bytes)) return { ok: true };
  return { ok: false, reason: `the WAV file does not hold what its header states: ${stated.statedBy}, but ${surplus} more bytes follow that are not its audio` };
}
