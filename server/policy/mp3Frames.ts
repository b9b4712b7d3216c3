/**
 * An MP3 is a chain of frames, each header giving the next one's position. Walking that chain tells
 * how many of a file's bytes are audio a decoder can use, without decoding: a file that is one frame
 * header and then anything else chains no further than its first frame.
 */

interface FrameHeader {
  /** Version, layer and sample rate: what every frame of one stream shares. */
  stream: number;
  bytes: number;
  samples: number;
  sampleRate: number;
}

const KBPS: Record<string, number[]> = {
  '1-1': [0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448],
  '1-2': [0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384],
  '1-3': [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320],
  '2-1': [0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256],
  '2-2': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
  '2-3': [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160],
};
const SAMPLE_RATES: Record<number, number[]> = { 3: [44100, 48000, 32000], 2: [22050, 24000, 16000], 0: [11025, 12000, 8000] };

/** The longest frame there is (MPEG 2.5 Layer II at 160 kbit/s and 8 kHz, padded), plus the next header. */
export const MAX_FRAME_BYTES = 2881;

const GATHER_BYTES = 16 * MAX_FRAME_BYTES;

/** The frame header at `offset`, or undefined where there is none (free-format frames count as none). */
export function frameHeaderAt(bytes: Buffer, offset: number): FrameHeader | undefined {
  if (offset + 4 > bytes.length || bytes[offset] !== 0xff || (bytes[offset + 1] & 0xe0) !== 0xe0) return undefined;
  const versionBits = (bytes[offset + 1] >> 3) & 0x3; // 3 MPEG-1, 2 MPEG-2, 0 MPEG-2.5
  const layer = 4 - ((bytes[offset + 1] >> 1) & 0x3); // 1, 2 or 3; 4 is reserved
  const bitrateIndex = bytes[offset + 2] >> 4;
  const rateIndex = (bytes[offset + 2] >> 2) & 0x3;
  if (versionBits === 1 || layer === 4 || bitrateIndex === 0 || bitrateIndex === 15 || rateIndex === 3) return undefined;
  const mpeg1 = versionBits === 3;
  const bitrate = KBPS[`${mpeg1 ? 1 : 2}-${layer}`][bitrateIndex] * 1000;
  const sampleRate = SAMPLE_RATES[versionBits][rateIndex];
  const padding = (bytes[offset + 2] >> 1) & 0x1;
  if (layer === 1) return { stream: (versionBits << 4) | (layer << 2) | rateIndex, bytes: (Math.floor((12 * bitrate) / sampleRate) + padding) * 4, samples: 384, sampleRate };
  const samples = layer === 3 && !mpeg1 ? 576 : 1152;
  return { stream: (versionBits << 4) | (layer << 2) | rateIndex, bytes: Math.floor((samples / 8) * bitrate / sampleRate) + padding, samples, sampleRate };
}

export interface FrameWalk {
  /** Bytes in frames that chain (each followed by another frame of the same stream, or by the end). */
  frameBytes: number;
  /** Bytes that are neither frames nor the leading ID3v2 tag: junk, trailing tags, noise. */
  otherBytes: number;
  tagBytes: number;
  frames: number;
  /** What the chained frames play for. */
  durationSeconds: number;
}

/** The ID3v2 tag at the start of a file (its header, synchsafe size and any footer), in bytes; 0 when there is none. */
function leadingTagBytes(bytes: Buffer): number {
  if (bytes.length < 10 || bytes.toString('latin1', 0, 3) !== 'ID3') return 0;
  return 10 + (((bytes[6] & 0x7f) << 21) | ((bytes[7] & 0x7f) << 14) | ((bytes[8] & 0x7f) << 7) | (bytes[9] & 0x7f)) + (bytes[5] & 0x10 ? 10 : 0);
}

/**
 * Whether a header found out of sync is a frame: the frame after it must be there too (of the same
 * stream), or it must end the file. In sync, a frame needs no voucher, so it may be the last before a
 * trailing tag.
 */
function vouchedFor(header: FrameHeader, bytes: Buffer, offset: number, final: boolean): boolean {
  const next = frameHeaderAt(bytes, offset + header.bytes);
  return (next !== undefined && next.stream === header.stream) || (final && offset + header.bytes === bytes.length);
}

/**
 * Walks the frames of an MP3 as it streams by, holding at most one frame of it. In sync, each header
 * must lead to the next; out of sync (at the start, or after bytes that are no frame), a header
 * counts only when the frame after it is there too, so noise that happens to look like a header for
 * four bytes is counted as noise.
 */
export function mp3FrameWalker() {
  const walk: FrameWalk = { frameBytes: 0, otherBytes: 0, tagBytes: 0, frames: 0, durationSeconds: 0 };
  let carry = Buffer.alloc(0);
  let tagLeft: number | undefined;
  let stream: number | undefined;

  function consume(bytes: Buffer, final: boolean): number {
    let offset = 0;
    if (tagLeft === undefined) {
      if (bytes.length < 10 && !final) return 0;
      tagLeft = leadingTagBytes(bytes);
    }
    const skipped = Math.min(tagLeft, bytes.length);
    tagLeft -= skipped;
    walk.tagBytes += skipped;
    offset += skipped;
    while (offset < bytes.length) {
      if (!final && bytes.length - offset < 2 * MAX_FRAME_BYTES) break;
      const header = frameHeaderAt(bytes, offset);
      if (header && offset + header.bytes <= bytes.length) {
        if (stream === header.stream || vouchedFor(header, bytes, offset, final)) {
          stream = header.stream;
          walk.frames += 1;
          walk.frameBytes += header.bytes;
          walk.durationSeconds += header.samples / header.sampleRate;
          offset += header.bytes;
          continue;
        }
      }
      stream = undefined;
      walk.otherBytes += 1;
      offset += 1;
    }
    return offset;
  }

  // Small chunks are gathered before they are walked, so a body sent a byte at a time costs no more than one sent in blocks.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const walkPending = (final: boolean) => {
    const bytes = Buffer.concat([carry, ...pending]);
    pending = [];
    pendingBytes = 0;
    const walkedTo = consume(bytes, final);
    carry = final ? Buffer.alloc(0) : Buffer.from(bytes.subarray(walkedTo));
  };

  return {
    push(chunk: Buffer) {
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= GATHER_BYTES) walkPending(false);
    },
    end(): FrameWalk {
      walkPending(true);
      return { ...walk };
    },
  };
}

/** How much of an MP3 may be other than frames: trailing tags, encoder padding, a damaged frame or two. */
export const MP3_OTHER_BYTES_ALLOWED = { fraction: 0.02, bytes: 16 * 1024 };

export type FramesVerdict = { ok: true } | { ok: false; reason: string };

/** Whether an MP3's frames account for its size, less its leading tag. */
export function framesAccountForSize(walk: FrameWalk): FramesVerdict {
  const body = walk.frameBytes + walk.otherBytes;
  const allowed = Math.max(MP3_OTHER_BYTES_ALLOWED.bytes, MP3_OTHER_BYTES_ALLOWED.fraction * body);
  if (walk.frames === 0) return { ok: false, reason: 'the MP3 file holds no MPEG audio frames that follow one another' };
  if (walk.otherBytes > allowed) {
    return {
      ok: false,
      reason: `the MP3 file is corrupt: only ${walk.frameBytes} of its ${body} bytes of audio are MPEG frames that follow one another (${walk.frames} frames, ${walk.durationSeconds.toFixed(2)} s); the other ${walk.otherBytes} bytes are not audio`,
    };
  }
  return { ok: true };
}
