import { WebVTTParser, type CueNode } from 'webvtt-parser';
import HTML_ENTITIES from 'webvtt-parser/html-entities.json';

/** How a transcript is stored, served and named in the manifest. */
export const TRANSCRIPT_FORMAT = { contentType: 'text/vtt', extension: 'vtt' } as const;

/**
 * How far past the recording's stated length a cue may end: container lengths are rounded, and a
 * transcriber's last cue often runs to the next whole second.
 */
export const CUE_END_SLACK_SECONDS = 1;

/**
 * What speech can hold: at most one cue for each half-second of the recording (a typed transcript has
 * one every few seconds), never more than MAX_CUES whatever the recording's length, and at most
 * MAX_CUE_CHARACTERS of text in a cue (a minute of fast speech is about 1,000 characters).
 */
export const CUES_PER_SECOND = 2;
export const MAX_CUES = 20_000;
export const MAX_CUE_CHARACTERS = 2_000;

/** The most cues a transcript of a recording this long may have (MAX_CUES when its length is not known). */
export function maxCuesFor(recordingSeconds: number | null): number {
  if (recordingSeconds === null || !Number.isFinite(recordingSeconds)) return MAX_CUES;
  return Math.min(MAX_CUES, Math.max(1, Math.ceil(recordingSeconds * CUES_PER_SECOND)));
}

/** One cue as the portal keeps it: plain text only, times in seconds. */
export interface TranscriptCue {
  start: number;
  end: number;
  text: string;
}

/**
 * Why a transcript was refused: the file is too big, is not UTF-8 WebVTT (`malformed`, with the
 * parser's first complaint and its line), holds markup (tags in a cue, or a STYLE block), has no cue,
 * has a cue that ends after the recording does, has more cues than the recording's speech can hold
 * (`too-many-cues`), or a cue with more text than one can (`cue-too-long`).
 */
export type TranscriptProblem = 'too-large' | 'malformed' | 'markup' | 'empty' | 'past-end' | 'too-many-cues' | 'cue-too-long';

export type TranscriptCheck = { ok: true; cues: TranscriptCue[] } | { ok: false; problem: TranscriptProblem; detail: string };

const two = (n: number) => String(n).padStart(2, '0');

/** Seconds as h:mm:ss, whole seconds rounded down (as the player shows them). */
export function clockTime(seconds: number): string {
  const whole = Math.max(0, Math.floor(seconds));
  return `${Math.floor(whole / 3600)}:${two(Math.floor(whole / 60) % 60)}:${two(whole % 60)}`;
}

/** The first tag in a cue's parsed text, as it was written (`<b>`, `<v Assessor>`, `<00:01.000>`). */
function firstTag(nodes: CueNode[]): string | undefined {
  for (const node of nodes) {
    if (node.type === 'timestamp') return `<${clockTime(node.value)}>`;
    if (node.type === 'object') return `<${[node.name, ...node.classes].join('.')}${node.value ? ` ${node.value}` : ''}>`;
  }
  return undefined;
}

const textOf = (nodes: CueNode[]) =>
  nodes
    .map((node) => (node.type === 'text' ? node.value : ''))
    .join('')
    .trim();

const refused = (problem: TranscriptProblem, detail: string): TranscriptCheck => ({ ok: false, problem, detail });

/**
 * Checks a transcript with the W3C's WebVTT parser (webvtt-parser) and returns its cues as plain
 * text. `recordingSeconds` is the audio's stated length, when known. Pure: the caller stores it.
 * A transcript read back from storage is not held to the speech bounds (`speechBounds: false`): it
 * was accepted when it came, and the claimant still gets it.
 */
export function checkTranscript(bytes: Uint8Array, recordingSeconds: number | null, maxBytes: number, { speechBounds = true } = {}): TranscriptCheck {
  if (bytes.length > maxBytes) return refused('too-large', `a transcript must be at most ${maxBytes} bytes; this one is ${bytes.length}`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return refused('malformed', 'the file is not UTF-8 text, as WebVTT must be');
  }
  const parsed = new WebVTTParser(HTML_ENTITIES).parse(text);
  const [error] = parsed.errors;
  if (error) {
    const more = parsed.errors.length > 1 ? ` (and ${parsed.errors.length - 1} more problems)` : '';
    return refused('malformed', `not valid WebVTT: line ${error.line}: ${error.message}${more}`);
  }
  if (parsed.styles.length > 0) return refused('markup', 'STYLE blocks are not accepted: a transcript is plain text');
  if (parsed.cues.length === 0) return refused('empty', 'the transcript has no cues');
  const maxCues = speechBounds ? maxCuesFor(recordingSeconds) : Infinity;
  if (parsed.cues.length > maxCues) {
    const why = recordingSeconds === null || maxCues === MAX_CUES ? `at most ${MAX_CUES}` : `at most ${maxCues} (one for each half-second of the recording, which lasts ${clockTime(recordingSeconds)})`;
    return refused('too-many-cues', `the transcript has ${parsed.cues.length} cues; a transcript may have ${why}`);
  }
  const cues: TranscriptCue[] = [];
  for (const [index, cue] of parsed.cues.entries()) {
    const name = `cue ${index + 1} (at ${clockTime(cue.startTime)})`;
    const tag = firstTag(cue.tree.children);
    if (tag) return refused('markup', `${name} holds markup (${tag}); cue text must be plain (write < as &lt; and & as &amp;)`);
    if (recordingSeconds !== null && cue.endTime > recordingSeconds + CUE_END_SLACK_SECONDS) {
      return refused('past-end', `${name} ends at ${clockTime(cue.endTime)}, after the recording, which lasts ${clockTime(recordingSeconds)}`);
    }
    const text = textOf(cue.tree.children);
    if (speechBounds && text.length > MAX_CUE_CHARACTERS) return refused('cue-too-long', `${name} holds ${text.length} characters of text; a cue may hold at most ${MAX_CUE_CHARACTERS}`);
    cues.push({ start: cue.startTime, end: cue.endTime, text });
  }
  return { ok: true, cues };
}

/** The transcript as plain text, one cue a paragraph after its time, for the claimant's `.txt` download. */
export function transcriptPlainText(cues: readonly TranscriptCue[]): string {
  return cues.map((cue) => `[${clockTime(cue.start)}]\n${cue.text}\n`).join('\n');
}
