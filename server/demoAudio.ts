/**
 * A real WAV file made on the spot for demos and tests: 16-bit mono PCM of soft chimes in phrases
 * of a few seconds with pauses between them, the rhythm of a conversation, for as long as asked
 * (an assessment lasts 45 to 90 minutes). Generating it keeps the repository free of binary files
 * and the demo the same on every machine.
 *
 * A handful of phrases is synthesised once and then laid end to end in a fixed pseudo-random order,
 * so an hour costs a copy, not an hour of arithmetic.
 */
export function demoAudio(seconds = 6, sampleRate = 16_000): Buffer {
  const samples = Math.round(seconds * sampleRate);
  const file = Buffer.alloc(WAV_HEADER_BYTES + samples * 2);
  wavHeader(samples, sampleRate).copy(file);
  const pcm = new Int16Array(file.buffer, file.byteOffset + WAV_HEADER_BYTES, samples);
  const phrases = PHRASES.map((notes) => phrase(notes, sampleRate));
  for (const { phrase: index, startSample } of phraseTimeline(samples, phrases.map((chosen) => chosen.length), sampleRate)) {
    const chosen = phrases[index];
    pcm.set(chosen.subarray(0, Math.min(chosen.length, samples - startSample)), startSample);
  }
  return file;
}

/** One chimed phrase of the demo audio: which of PHRASES, and when it sounds (seconds). */
export interface DemoSegment {
  phrase: number;
  start: number;
  end: number;
}

/** The phrases of `demoAudio(seconds, sampleRate)` in order, as heard: what a transcript of it follows. */
export function demoSegments(seconds = 6, sampleRate = 16_000): DemoSegment[] {
  const samples = Math.round(seconds * sampleRate);
  const lengths = PHRASES.map((notes) => notes.length * noteSamples(sampleRate));
  return phraseTimeline(samples, lengths, sampleRate).map(({ phrase: index, startSample }) => ({
    phrase: index,
    start: startSample / sampleRate,
    end: Math.min(samples, startSample + lengths[index]) / sampleRate,
  }));
}

/** Where each phrase starts: laid end to end in a fixed order, with a pause of 0.4 to 2 s (a fixed pseudo-random sequence) after each. */
function phraseTimeline(samples: number, phraseSamples: number[], sampleRate: number): { phrase: number; startSample: number }[] {
  const timeline: { phrase: number; startSample: number }[] = [];
  let random = 0x2545f491;
  for (let at = 0, index = 0; at < samples; index++) {
    const chosen = index % phraseSamples.length;
    timeline.push({ phrase: chosen, startSample: at });
    random = (random * 1_103_515_245 + 12_345) & 0x7fffffff;
    at += phraseSamples[chosen] + Math.round(sampleRate * (0.4 + (random % 1600) / 1000));
  }
  return timeline;
}

const WAV_HEADER_BYTES = 44;

/** Notes (Hz) of the phrases, each note about half a second: short and long "sentences". */
const PHRASES = [
  [523.25, 659.25, 783.99, 1046.5, 783.99, 659.25],
  [392.0, 440.0, 523.25],
  [659.25, 587.33, 523.25, 493.88, 440.0, 392.0, 440.0, 493.88],
  [440.0, 523.25, 440.0, 349.23],
  [587.33, 698.46, 880.0, 698.46, 587.33],
];

const noteSamples = (sampleRate: number) => Math.round(sampleRate * 0.45);

function phrase(notes: number[], sampleRate: number): Int16Array {
  const noteLength = noteSamples(sampleRate);
  const pcm = new Int16Array(notes.length * noteLength);
  notes.forEach((note, n) => {
    for (let i = 0; i < noteLength; i++) {
      const t = i / sampleRate;
      const envelope = Math.exp(-3 * t) * Math.min(1, t * 200);
      pcm[n * noteLength + i] = Math.round(Math.sin(2 * Math.PI * note * t) * envelope * 12_000);
    }
  });
  return pcm;
}

/** The 44-byte header of a canonical PCM WAV file of 16-bit mono samples. */
export function wavHeader(samples: number, sampleRate: number): Buffer {
  const dataBytes = samples * 2;
  const header = Buffer.alloc(WAV_HEADER_BYTES);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(dataBytes, 40);
  return header;
}
