import { demoSegments } from './demoAudio';

/**
 * What the demo's conversation says, one line for each chimed phrase in turn: an assessor and a
 * claimant, in plain text (a transcript takes no voice tags). The lines come round again through the
 * recording, so a search finds words in many places, as in a real hour-long assessment.
 */
const LINES = [
  'Assessor: Thank you for joining. This call is being recorded, and you can ask for a copy.',
  'Claimant: Yes, that is fine.',
  'Assessor: Can you tell me about a typical day, from when you wake up?',
  'Claimant: Most mornings my back is stiff, so getting dressed takes a long time.',
  'Assessor: Does anyone help you with that?',
  'Claimant: My daughter comes round on weekdays before work.',
  'Assessor: How far can you walk before you need to stop?',
  'Claimant: To the end of the road, about fifty metres, then I rest.',
  'Assessor: Do you use a walking stick or any other aid?',
  'Claimant: A stick outdoors, and a rail by the stairs at home.',
  'Assessor: Tell me about cooking a simple meal.',
  'Claimant: I can heat soup, but standing at the cooker hurts after a few minutes.',
  'Assessor: And managing your medication?',
  'Claimant: I keep a chart on the fridge so I do not miss a dose.',
  'Assessor: Is there anything else you would like me to know?',
  'Claimant: Only that some days are much worse than others.',
];

/** A WebVTT time, hh:mm:ss.ttt. */
function cueTime(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const [h, m, s, t] = [Math.floor(ms / 3_600_000), Math.floor(ms / 60_000) % 60, Math.floor(ms / 1000) % 60, ms % 1000];
  return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${String(s).padStart(2, '0')}.${String(t).padStart(3, '0')}`;
}

/** The demo recording's transcript: one cue per chimed phrase, timed to it, so the highlight moves with each chime. */
export function demoTranscript(seconds: number, sampleRate?: number): Buffer {
  const cues = demoSegments(seconds, sampleRate).map((segment, n) => `${n + 1}\n${cueTime(segment.start)} --> ${cueTime(segment.end)}\n${LINES[n % LINES.length]}\n`);
  return Buffer.from(`WEBVTT\n\n${cues.join('\n')}`, 'utf8');
}
