import { WebVTTParser, type CueNode } from 'webvtt-parser';
import HTML_ENTITIES from 'webvtt-parser/html-entities.json';

/** How a transcript is stored, served and named in the manifest. */
export const TRANSCRIPT_FORMAT = { contentType: 'text/vtt', extension: 'vtt' } as const;

/**
 * How far past the recording's stated length a cue may end: container lengths are rounded, and a
 * transcriber's last cue often runs to the next whole second.
 */
export const CUE_END_SLACK_SECONDS = 1;

/** One cue as the portal keeps it: plain text only, times in seconds. */
export interface TranscriptCue {
  start: number;
  end: number;
  text: string;
}

/**
 * Why a transcript was refused: the file is too big, is not UTF-8 WebVTT (`malformed`, with the
 * parser's first complaint and its line), holds markup (tags in a cue, or a STYLE block), has no cue,
 * or has a cue that ends after the recording does.
 */
export type TranscriptProblem = 'too-large' | 'malformed' | 'markup' | 'empty' | 'past-end';

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
 */
export function checkTranscript(bytes: Uint8Array, recordingSeconds: number | null, maxBytes: number): TranscriptCheck {
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
  const cues: TranscriptCue[] = [];
  for (const [index, cue] of parsed.cues.entries()) {
    const name = `cue ${index + 1} (at ${clockTime(cue.startTime)})`;
    const tag = firstTag(cue.tree.children);
    if (tag) return refused('markup', `${name} holds markup (${tag}); cue text must be plain (write < as &lt; and & as &amp;)`);
    if (recordingSeconds !== null && cue.endTime > recordingSeconds + CUE_END_SLACK_SECONDS) {
      return refused('past-end', `${name} ends at ${clockTime(cue.endTime)}, after the recording, which lasts ${clockTime(recordingSeconds)}`);
    }
    cues.push({ start: cue.startTime, end: cue.endTime, text: textOf(cue.tree.children) });
  }
  return { ok: true, cues };
}

/** The transcript as plain text, one cue a paragraph after its time, for the claimant's `.txt` download. */
export function transcriptPlainText(cues: readonly TranscriptCue[]): string {
  return cues.map((cue) => `[${clockTime(cue.start)}]\n${cue.text}\n`).join('\n');
}
