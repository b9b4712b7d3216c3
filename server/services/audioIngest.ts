import { createHash, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { PassThrough, Readable } from 'node:stream';
import type { ObjectStorage } from '../objects/s3Objects';
import { AUDIO_HEAD_BYTES, detectAudioFormat, type AudioFormat } from '../policy/audioFormat';
import { sizeAgreesWithHeader } from '../policy/audioSize';
import { audioContentCheck, type AudioContentCheck } from './audioContentCheck';
import { InputError } from './inputError';
import { findFfmpeg } from './listeningEncoder';

export type AudioProblem = 'not-audio' | 'audio-unreadable' | 'too-large';

/** Audio refused at ingest, with what is wrong with it; nothing of it was stored. */
export class AudioRefused extends InputError {
  constructor(
    readonly problem: AudioProblem,
    message: string,
  ) {
    super('file', message);
    this.name = 'AudioRefused';
  }
}

export interface AudioFacts {
  durationSeconds: number;
  codec: string | null;
  sampleRate: number | null;
  channels: number | null;
  bitrate: number | null;
}

export interface IngestedAudio {
  format: AudioFormat;
  objectKey: string;
  sha256: string;
  sizeBytes: number;
  facts: AudioFacts;
}

type Parsed = Awaited<ReturnType<(typeof import('music-metadata'))['parseStream']>>;

/**
 * music-metadata reading a copy of the stream as it passes. It is fed with backpressure (a slow
 * parse slows the upload rather than filling memory), and no longer once it has read what it needs.
 */
function metadataReader(parser: typeof import('music-metadata'), contentType: string) {
  const feed = new PassThrough();
  let settled = false;
  // Loaded by the caller, so a parser that cannot be loaded is our failure, not the file's.
  const result: Promise<Parsed> = parser
    .parseStream(feed, { mimeType: contentType }, { duration: true, skipCovers: true })
    .finally(() => {
      settled = true;
      feed.destroy();
    });
  const stopped = result.then(
    () => undefined,
    () => undefined,
  );
  return {
    async feed(chunk: Buffer) {
      if (!settled && !feed.write(chunk)) await Promise.race([once(feed, 'drain').catch(() => undefined), stopped]);
    },
    end: () => settled || feed.end(),
    result,
  };
}

function factsOf(format: AudioFormat, parsed: Parsed, durationSeconds: number): AudioFacts {
  const { codec, sampleRate, numberOfChannels, bitrate } = parsed.format;
  return {
    durationSeconds,
    codec: codec ?? null,
    sampleRate: sampleRate ?? null,
    // An M4A's sample entry says 2 channels whatever the audio has (ISO/IEC 14496-12 fixes it); the
    // true count is in the AAC decoder's config, which music-metadata does not read. Unknown beats wrong.
    channels: format.extension === 'm4a' ? null : (numberOfChannels ?? null),
    bitrate: bitrate ? Math.round(bitrate) : null,
  };
}

/** The first chunks of the audio, at least AUDIO_HEAD_BYTES of it unless it is shorter, and its head. */
async function readHead(iterator: AsyncIterator<Buffer>): Promise<{ first: Buffer[]; head: Buffer }> {
  const first: Buffer[] = [];
  let peeked = 0;
  while (peeked < AUDIO_HEAD_BYTES) {
    const next = await iterator.next();
    if (next.done) break;
    first.push(next.value);
    peeked += next.value.length;
  }
  if (peeked === 0) throw new InputError('file', 'the audio file is empty');
  return { first, head: Buffer.concat(first).subarray(0, AUDIO_HEAD_BYTES) };
}

/** What has passed on its way to the bucket: counted, hashed, and fed to the container's reader. */
interface Passed {
  sizeBytes: number;
  hash: Hash;
  metadata: ReturnType<typeof metadataReader>;
  content: AudioContentCheck;
}

/** The audio as it is sent, chunks already read first; refused as soon as it passes `maxBytes`. */
async function* checkedChunks(iterator: AsyncIterator<Buffer>, first: Buffer[], maxBytes: number, passed: Passed): AsyncGenerator<Buffer> {
  let done = false;
  try {
    for (;;) {
      let chunk = first.shift();
      if (!chunk) {
        const next = await iterator.next();
        if (next.done) break;
        chunk = next.value;
      }
      passed.sizeBytes += chunk.length;
      if (passed.sizeBytes > maxBytes) throw new AudioRefused('too-large', `audio file is larger than ${maxBytes} bytes`);
      passed.hash.update(chunk);
      await passed.metadata.feed(chunk);
      await passed.content.feed(chunk);
      yield chunk;
    }
    done = true;
  } finally {
    passed.metadata.end();
    if (!done) {
      passed.content.abort();
      await iterator.return?.();
    }
  }
}

/** Once the last byte is in: the container read to its end and agreeing with the size, then `confirm`. */
async function checkedWhole(
  format: AudioFormat,
  head: Buffer,
  passed: Passed,
  confirm: ((received: { sha256: string; sizeBytes: number }) => Promise<void>) | undefined,
): Promise<Omit<IngestedAudio, 'format' | 'objectKey'>> {
  const name = format.extension.toUpperCase();
  const parsed = await passed.metadata.result.catch((error: unknown) => {
    throw new AudioRefused('audio-unreadable', `the ${name} file could not be read to its end (truncated or corrupt): ${(error as Error)?.message ?? 'unreadable'}`);
  });
  const { sizeBytes } = passed;
  const verdict = sizeAgreesWithHeader(format.extension, head, { durationSeconds: parsed.format.duration, bitrate: parsed.format.bitrate }, sizeBytes);
  if (!verdict.ok) throw new AudioRefused('audio-unreadable', verdict.reason);
  const content = await passed.content.verdict(parsed.format.duration!, sizeBytes);
  if (!content.ok) throw new AudioRefused('audio-unreadable', content.reason);
  const sha256 = passed.hash.digest('hex');
  await confirm?.({ sha256, sizeBytes });
  return { sha256, sizeBytes, facts: factsOf(format, parsed, parsed.format.duration!) };
}

/**
 * Streams audio into the bucket while checking it: its magic bytes first (nothing is sent for a file
 * that is not audio), then, as it passes, its size, SHA-256, container (music-metadata) and content
 * (audioContentCheck: frames, and ffmpeg decoding it through). Only when the last byte is in and the
 * container and the decoded audio agree with the size (and `confirm` accepts what arrived) is
 * the object made visible; otherwise nothing is left in the bucket.
 */
export async function ingestAudio(
  objects: Pick<ObjectStorage, 'putStreamed'>,
  source: Readable | Buffer,
  options: {
    maxBytes: number;
    keyFor: (format: AudioFormat) => string;
    confirm?: (received: { sha256: string; sizeBytes: number }) => Promise<void>;
    /** The ffmpeg that decodes the audio through as it streams: FFMPEG_PATH, or undefined for the one on PATH; null for none. */
    ffmpegPath?: string | null;
  },
): Promise<IngestedAudio> {
  const iterator: AsyncIterator<Buffer> = (Buffer.isBuffer(source) ? Readable.from([source]) : source)[Symbol.asyncIterator]();
  const { first, head } = await readHead(iterator);
  const format = detectAudioFormat(head);
  if (!format) {
    await iterator.return?.();
    throw new AudioRefused('not-audio', 'file is not a recognised audio format (WAV, MP3, M4A, OGG or FLAC)');
  }
  const ffmpegPath = options.ffmpegPath === null ? undefined : await findFfmpeg(options.ffmpegPath);
  const content = audioContentCheck(format, head, ffmpegPath);
  const passed: Passed = { sizeBytes: 0, hash: createHash('sha256'), metadata: metadataReader(await import('music-metadata'), format.contentType), content };
  passed.metadata.result.catch(() => undefined); // read in `checkedWhole`; a body that fails first never gets there
  let received: Omit<IngestedAudio, 'format' | 'objectKey'> | undefined;
  const objectKey = options.keyFor(format);
  try {
    await objects.putStreamed(objectKey, checkedChunks(iterator, first, options.maxBytes, passed), format.contentType, async () => {
      received = await checkedWhole(format, head, passed, options.confirm);
      return { sha256Hex: received.sha256 };
    });
  } finally {
    content.abort(); // an upload that failed before its last byte leaves no ffmpeg running
  }
  return { format, objectKey, ...received! };
}
