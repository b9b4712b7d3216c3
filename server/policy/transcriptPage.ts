/**
 * How much of a transcript the recording page carries in its HTML. The page must stay within its
 * weight budget (150 KB before the audio) however long the transcript, so it carries the first cues
 * only, up to INLINE_CUES and INLINE_TEXT_BYTES of escaped text; the page's script loads the rest
 * (transcript.json), and without a script the page says it shows the first part and links the whole
 * transcript as plain text. Most transcripts (a cue every few seconds of a short call) fit whole.
 */
export const INLINE_CUES = 100;
export const INLINE_TEXT_BYTES = 24 * 1024;

const ESCAPED_LENGTH: Record<string, number> = { '&': 5, '<': 4, '>': 4, '"': 6, "'": 5 };

/** The bytes `text` takes in HTML once escaped (UTF-8), as the page's template writes it. */
export function escapedBytes(text: string): number {
  let bytes = Buffer.byteLength(text, 'utf8');
  for (const character of text) bytes += (ESCAPED_LENGTH[character] ?? 1) - 1;
  return bytes;
}

/** How many of the first cues the page's HTML holds (at least one, so the page never shows an empty list). */
export function inlineCueCount(cues: ReadonlyArray<{ text: string }>): number {
  let bytes = 0;
  for (let index = 0; index < Math.min(cues.length, INLINE_CUES); index++) {
    bytes += escapedBytes(cues[index].text);
    if (bytes > INLINE_TEXT_BYTES) return Math.max(1, index);
  }
  return Math.min(cues.length, INLINE_CUES);
}
