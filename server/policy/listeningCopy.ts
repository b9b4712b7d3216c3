/**
 * When a recording gets a listening copy: a smaller AAC file in M4A that every phone plays, made
 * beside the original (which stays the authentic copy and is never changed).
 */

/** Originals larger than this per hour of audio cost a claimant on a small data plan too much. */
export const MAX_LISTENING_BYTES_PER_HOUR = 30_000_000;

/**
 * Containers common phones do not play well: OGG (Vorbis, Opus) does not play in iOS Safari before 17,
 * and FLAC plays on few phones' built-in players and is lossless, so large for speech.
 */
const PHONE_UNFRIENDLY_TYPES: ReadonlySet<string> = new Set(['audio/ogg', 'audio/flac']);

export type ListeningCopyReason = 'phone-format' | 'large';

export interface OriginalAudio {
  contentType: string;
  sizeBytes: number;
  /** Undefined or null when the container did not state it. */
  durationSeconds: number | null | undefined;
}

/** Why this original needs a listening copy, or undefined when the original serves phones as it is. */
export function listeningCopyReason(original: OriginalAudio): ListeningCopyReason | undefined {
  if (PHONE_UNFRIENDLY_TYPES.has(original.contentType)) return 'phone-format';
  const { durationSeconds, sizeBytes } = original;
  // Without a length, a file over an hour's allowance is taken to be large: it may well be shorter,
  // but a copy costs little and a claimant paying for data loses more.
  if (!durationSeconds || durationSeconds <= 0) return sizeBytes > MAX_LISTENING_BYTES_PER_HOUR ? 'large' : undefined;
  return sizeBytes / (durationSeconds / 3600) > MAX_LISTENING_BYTES_PER_HOUR ? 'large' : undefined;
}

/** The copy's encoding: mono AAC at a speech bitrate (about 27 MB for 90 minutes). */
export const LISTENING_COPY_FORMAT = {
  contentType: 'audio/mp4',
  extension: 'm4a',
  bitrate: '40k',
  sampleRate: 24_000,
} as const;

/** A copy whose length differs from the original's by more than this was cut short or is wrong. */
export const LISTENING_LENGTH_TOLERANCE_SECONDS = 1;

export function lengthsAgree(originalSeconds: number | null | undefined, copySeconds: number): boolean {
  if (!originalSeconds) return copySeconds > 0;
  return Math.abs(originalSeconds - copySeconds) <= LISTENING_LENGTH_TOLERANCE_SECONDS;
}
