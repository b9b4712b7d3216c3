export interface AudioFormat {
  contentType: string;
  extension: string;
  /** Known for formats whose header states it (WAV); undefined otherwise. */
  durationSeconds: number | undefined;
}

const ascii = (bytes: Buffer, start: number, length: number) => bytes.toString('latin1', start, start + length);

/** Walks a RIFF/WAVE file's chunks for the byte rate and data size. */
function wavDuration(bytes: Buffer): number | undefined {
  let byteRate: number | undefined;
  for (let offset = 12; offset + 8 <= bytes.length; ) {
    const id = ascii(bytes, offset, 4);
    const size = bytes.readUInt32LE(offset + 4);
    if (id === 'fmt ' && offset + 16 <= bytes.length) byteRate = bytes.readUInt32LE(offset + 16);
    if (id === 'data' && byteRate) return Math.round(size / byteRate);
    offset += 8 + size + (size % 2);
  }
  return undefined;
}

/**
 * Recognises audio by its magic bytes, never by a file name or a declared type, so a file that is not
 * really audio is refused at ingest and the content type the claimant's browser receives is true.
 */
export function detectAudioFormat(bytes: Buffer): AudioFormat | undefined {
  if (bytes.length < 12) return undefined;
  if (ascii(bytes, 0, 4) === 'RIFF' && ascii(bytes, 8, 4) === 'WAVE') {
    return { contentType: 'audio/wav', extension: 'wav', durationSeconds: wavDuration(bytes) };
  }
  if (ascii(bytes, 0, 3) === 'ID3' || (bytes[0] === 0xff && (bytes[1] & 0xe6) === 0xe2)) {
    return { contentType: 'audio/mpeg', extension: 'mp3', durationSeconds: undefined };
  }
  if (ascii(bytes, 4, 4) === 'ftyp' && /^(M4A |M4B |mp42|isom|dash)$/.test(ascii(bytes, 8, 4))) {
    return { contentType: 'audio/mp4', extension: 'm4a', durationSeconds: undefined };
  }
  if (ascii(bytes, 0, 4) === 'OggS') return { contentType: 'audio/ogg', extension: 'ogg', durationSeconds: undefined };
  if (ascii(bytes, 0, 4) === 'fLaC') return { contentType: 'audio/flac', extension: 'flac', durationSeconds: undefined };
  return undefined;
}
