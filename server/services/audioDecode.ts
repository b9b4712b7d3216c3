import { spawn } from 'node:child_process';
import { once } from 'node:events';

/**
 * What decoding a file through gave: how long its decodable audio plays, that it could not be
 * decoded (the file's fault), or that there was no decoder to ask (ffmpeg missing, killed or hung:
 * not the file's fault, so the checks that need no decoder decide alone).
 */
export type DecodeOutcome = { decoded: true; seconds: number; errorLines: number } | { decoded: false; problem: string } | { unavailable: string };

/** ffmpeg's own words are kept only this far (a corrupt file can make it print a line per frame). */
const STDERR_KEPT_BYTES = 2048;
/** ffmpeg's progress lines are short; a line longer than this is not one. */
const PROGRESS_LINE_BYTES = 256;
/** Decoding an hour of audio takes seconds; an ffmpeg still running this long after the last byte is hung. */
const DECODE_AFTER_END_MS = 120_000;

function firstLine(text: string): string {
  return text.split('\n').map((line) => line.trim()).find(Boolean) ?? 'no message';
}

/** Reads ffmpeg's `-progress` output as it arrives, telling `onDecoded` each `out_time_us` (microseconds decoded so far). */
function progressReader(onDecoded: (microseconds: number) => void): (text: string) => void {
  let partialLine = '';
  return (text) => {
    const lines = (partialLine + text).split('\n');
    partialLine = lines.pop()!.slice(-PROGRESS_LINE_BYTES);
    for (const line of lines) {
      const match = /^out_time_us=(\d+)$/.exec(line.trim());
      if (match) onDecoded(Number(match[1]));
    }
  };
}

/**
 * ffmpeg decoding audio fed to it while the upload streams (`-i pipe:0 -f null -`), reporting the
 * decoded duration through `-progress`. It is fed with backpressure; if it stops reading (it exited,
 * or gave up on the file) feeding stops and the upload goes on. Its pipes' errors are absorbed here:
 * a missing, failing or killed ffmpeg becomes an outcome, never an exception.
 */
export function startDecoder(ffmpegPath: string) {
  const child = spawn(ffmpegPath, ['-hide_banner', '-nostdin', '-v', 'error', '-i', 'pipe:0', '-map', '0:a:0', '-f', 'null', '-progress', 'pipe:1', '-nostats', '-'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  let errorLines = 0;
  let decodedMicroseconds: number | undefined;
  let spawnError: Error | undefined;
  let accepting = true;
  let timer: NodeJS.Timeout | undefined;

  child.on('error', (error) => {
    spawnError = error;
    accepting = false;
  });
  child.stdin.on('error', () => (accepting = false)); // EPIPE: ffmpeg stopped reading; its exit says why
  child.stdout.on('error', () => undefined);
  child.stderr.on('error', () => undefined);
  child.stderr.setEncoding('utf8').on('data', (text: string) => {
    for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', at + 1)) errorLines += 1;
    if (stderr.length < STDERR_KEPT_BYTES) stderr = (stderr + text).slice(0, STDERR_KEPT_BYTES);
  });
  child.stdout.setEncoding('utf8').on('data', progressReader((microseconds) => (decodedMicroseconds = microseconds)));

  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('close', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  const result: Promise<DecodeOutcome> = closed.then(({ code, signal }) => {
    clearTimeout(timer);
    if (spawnError) return { unavailable: `ffmpeg could not be run: ${spawnError.message}` };
    if (signal) return { unavailable: `ffmpeg was stopped (${signal})` };
    if (code !== 0) return { decoded: false, problem: firstLine(stderr) };
    return { decoded: true, seconds: (decodedMicroseconds ?? 0) / 1e6, errorLines };
  });

  return {
    async feed(chunk: Buffer) {
      if (!accepting || child.stdin.destroyed) return;
      if (!child.stdin.write(chunk)) await Promise.race([once(child.stdin, 'drain').catch(() => undefined), closed]);
    },
    /** The last byte has passed: ffmpeg finishes decoding, and is stopped if it never does. */
    end(): Promise<DecodeOutcome> {
      if (!child.stdin.destroyed) child.stdin.end();
      timer = setTimeout(() => child.kill('SIGKILL'), DECODE_AFTER_END_MS);
      timer.unref();
      return result;
    },
    /** The upload failed: ffmpeg is stopped, and nothing it says matters. */
    abort() {
      accepting = false;
      child.stdin.destroy();
      child.kill('SIGKILL');
    },
    result,
  };
}

export type Decoder = ReturnType<typeof startDecoder>;
