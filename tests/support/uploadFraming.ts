/**
 * The multipart framing around a provider upload's audio, for tests that send the body themselves
 * over a socket (slowly, cut off, stalled): the fields and the audio part's head before the audio,
 * the closing boundary after it.
 */
export function uploadFraming(boundary: string, fields: Record<string, string>, fileName = 'a.wav') {
  const preamble = Buffer.from(
    Object.entries(fields)
      .map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)
      .join('') + `--${boundary}\r\nContent-Disposition: form-data; name="audio"; filename="${fileName}"\r\nContent-Type: audio/wav\r\n\r\n`,
  );
  return { preamble, epilogue: Buffer.from(`\r\n--${boundary}--\r\n`) };
}
