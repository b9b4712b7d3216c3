import { spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { LISTENING_COPY_FORMAT } from '../policy/listeningCopy';

/**
 * The ffmpeg this instance can run: FFMPEG_PATH if set, otherwise the first `ffmpeg` on PATH (Debian's
 * /usr/bin/ffmpeg in the image and in CI). Undefined when there is none: ingest goes on without copies.
 */
export async function findFfmpeg(configured: string | undefined, searchPath = process.env.PATH ?? ''): Promise<string | undefined> {
  const candidates = configured ? [configured] : searchPath.split(path.delimiter).filter(Boolean).map((dir) => path.join(dir, 'ffmpeg'));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not here; try the next one.
    }
  }
  return undefined;
}

/** The instance is shutting down: ffmpeg was stopped, and the copy is left for another run. */
export class EncodeStopped extends Error {
  constructor() {
    super('stopped: the instance is shutting down');
    this.name = 'EncodeStopped';
  }
}

export class EncodeFailed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EncodeFailed';
  }
}

/** What ffmpeg says last on stderr, enough for staff to see why (it names no personal data). */
const STDERR_TAIL_BYTES = 2_000;

/**
 * Encodes speech to mono AAC in M4A at `outputFile` and resolves with the copy's length in seconds.
 * The input is streamed to ffmpeg's stdin, or read from a file when its container needs seeking
 * (an M4A whose index is at its end). The output is a file because an M4A's index (the moov atom) is
 * written once the audio is, and `+faststart` moves it to the front so players can start at once.
 */
export async function encodeListeningCopy(
  ffmpegPath: string,
  input: { stream: Readable } | { file: string },
  outputFile: string,
  timeoutMs: number,
  stopped: AbortSignal,
): Promise<{ durationSeconds: number }> {
  if (stopped.aborted) throw new EncodeStopped();
  const format = LISTENING_COPY_FORMAT;
  const args = [
    '-hide_banner', '-nostdin', '-loglevel', 'error',
    '-i', 'file' in input ? input.file : 'pipe:0',
    '-vn', '-map_metadata', '-1', '-ac', '1', '-ar', String(format.sampleRate),
    '-c:a', 'aac', '-b:a', format.bitrate, '-movflags', '+faststart',
    '-progress', 'pipe:1', '-f', 'mp4', '-y', outputFile,
  ];
  const child = spawn(ffmpegPath, args, { stdio: ['file' in input ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  let outTimeMicros = 0;
  let stderrTail = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    for (const match of text.matchAll(/^out_time_us=(\d+)$/gm)) outTimeMicros = Number(match[1]);
  });
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    stderrTail = (stderrTail + text).slice(-STDERR_TAIL_BYTES);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const stop = () => child.kill('SIGKILL');
  stopped.addEventListener('abort', stop, { once: true });
  const exited = new Promise<number | null>((resolve, reject) => child.once('error', reject).once('close', (code) => resolve(code)));
  try {
    // ffmpeg stopping early (a broken input) closes its stdin: the exit code says why, not the EPIPE.
    const feeding = 'stream' in input && child.stdin ? pipeline(input.stream, child.stdin).catch((error: unknown) => error) : Promise.resolve(undefined);
    const [code, feedError] = await Promise.all([exited, feeding]);
    if (stopped.aborted) throw new EncodeStopped();
    if (code !== 0) throw new EncodeFailed(`ffmpeg exited with ${code ?? 'a signal (timed out?)'}: ${stderrTail.trim().split('\n').slice(-3).join(' | ')}`);
    if (feedError) throw new EncodeFailed(`the original could not be read to the end: ${(feedError as Error).message}`);
  } finally {
    clearTimeout(timer);
    stopped.removeEventListener('abort', stop);
    if ('stream' in input) input.stream.destroy();
  }
  return { durationSeconds: outTimeMicros / 1_000_000 };
}
