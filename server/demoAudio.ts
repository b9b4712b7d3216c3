/**
 * A short, real WAV file made on the spot for the demo recording: a few soft chimes, 16-bit mono PCM.
 * Generating it keeps the repository free of binary files and the demo the same on every machine.
 */
export function demoAudio(seconds = 6, sampleRate = 16_000): Buffer {
  const notes = [523.25, 659.25, 783.99, 1046.5, 783.99, 659.25];
  const samples = seconds * sampleRate;
  const noteLength = Math.floor(samples / notes.length);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    const note = notes[Math.min(notes.length - 1, Math.floor(i / noteLength))];
    const t = (i % noteLength) / sampleRate;
    const envelope = Math.exp(-3 * t) * Math.min(1, t * 200);
    data.writeInt16LE(Math.round(Math.sin(2 * Math.PI * note * t) * envelope * 12_000), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'latin1');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'latin1');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'latin1');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}
