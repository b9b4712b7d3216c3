export type AudioExtension = 'wav' | 'mp3' | 'm4a' | 'ogg' | 'flac';

export interface AudioFormat {
  contentType: string;
  extension: AudioExtension;
}

/** How many of a file's first bytes detection and the header checks read (an ID3 tag larger than this hides an MP3's Xing header). */
export const AUDIO_HEAD_BYTES = 64 * 1024;

const ascii = (bytes: Buffer, start: number, length: number) => bytes.toString('latin1', start, start + length);

/**
 * Recognises audio by its magic bytes, never by a file name or a declared type, so a file that is not
 * really audio is refused at ingest and the content type the claimant's browser receives is true.
 */
export function detectAudioFormat(bytes: Buffer): AudioFormat | undefined {
  if (bytes.length < 12) return undefined;
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WAVE') return { contentType: 'audio/wav', extension: 'wav' };
  if (ascii(bytes, 0, 3) === 'ID3' || (bytes[0] === 0xff && (bytes[1] & 0xe6) === 0xe2)) return { contentType: 'audio/mpeg', extension: 'mp3' };
  if (ascii(bytes, 4, 4) === 'ftyp' && /^(M4A |M4B |mp42|isom|dash)$/.test(ascii(bytes, 8, 4))) return { contentType: 'audio/mp4', extension: 'm4a' };
  if (ascii(bytes, 0, 4) === 'OggS') return { contentType: 'audio/ogg', extension: 'ogg' };
  if (ascii(bytes, 0, 4) === 'fLaC') return { contentType: 'audio/flac', extension: 'flac' };
  return undefined;
}

/**
 * Whether an M4A's index (moov) comes before its audio (mdat) within `head`: only then can it be
 * decoded as it streams, since a decoder must read the index first and a stream cannot be rewound.
 */
export function m4aIndexFirst(head: Buffer): boolean {
  for (let offset = 0; offset + 8 <= head.length; ) {
    const size = head.readUInt32BE(offset);
    const type = ascii(head, offset + 4, 4);
    if (type === 'moov') return true;
    if (type === 'mdat' || size < 8) return false;
    offset += size;
  }
  return false;
}
