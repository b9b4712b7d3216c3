import busboy from 'busboy';
import type { Request } from 'express';
import { PassThrough, type Readable } from 'node:stream';
import { isDependencyUnavailable } from '../errors';
import { liftBodyDeadline } from '../middleware/bodyDeadline';
import { watchPace, type UploadPace } from './uploadPace';

export type Upload<T> =
  /** `value` is what `onAudio` made of the file; undefined when the request had no file. */
  | { ok: true; fields: Record<string, string>; value: T | undefined }
  | { ok: false; problem: 'too-large' | 'bad-request'; detail: string }
  /** The client went before sending the whole body: there is nobody to answer. */
  | { ok: false; problem: 'cut-off'; detail: string }
  /** The upload was given up on before its body had all arrived: too slow, or the instance is shutting down. */
  | { ok: false; problem: StopReason; detail: string };

export type StopReason = 'stalled' | 'shutting-down';

/** What bounds one upload's reading besides its size: its pace, and a signal to give up (its reason a StopReason). */
export interface UploadBounds {
  pace: UploadPace;
  /** Aborted with `{ reason: StopReason, detail }` to give the upload up while its body is still arriving. */
  stop: AbortSignal;
}

/** What `onAudio` gets: the fields sent before the file, the file as a stream, and the end of the body. */
export interface AudioPart {
  fields: Record<string, string>;
  audio: Readable;
  /** Resolves once the whole body has been read and was well-formed; rejects (with the reason) otherwise. */
  bodyRead: () => Promise<void>;
}

const FIELD_NAMES = new Set(['assessmentRef', 'recordedAt', 'nino', 'mobile', 'language', 'sha256']);
/** Room for the form's fields and the multipart framing around the file. */
const FORM_OVERHEAD_BYTES = 64 * 1024;

/** A body whose declared length cannot hold a file of at most `maxBytes`: refused before a byte of it is read. */
export function declaredTooLarge(req: Request, maxBytes: number): boolean {
  const declared = Number(req.headers['content-length']);
  return Number.isSafeInteger(declared) && declared > maxBytes + FORM_OVERHEAD_BYTES;
}

class BodyProblem extends Error {
  constructor(readonly problem: 'too-large' | 'bad-request', detail: string) {
    super(detail);
  }
}

/** The end of the body, for `onAudio` to wait on: read whole and well-formed, or not. */
class BodyEnd {
  readonly read: Promise<void>;
  ended!: () => void;
  failed!: (error: Error) => void;

  constructor() {
    this.read = new Promise<void>((ok, notOk) => {
      this.ended = ok;
      this.failed = notOk;
    });
    this.read.catch(() => undefined);
  }
}

/** One multipart body being read: what has arrived of it, and the answer it will get. */
class UploadRead<T> {
  private readonly fields: Record<string, string> = {};
  private failure: BodyProblem | undefined;
  private work: Promise<T> | undefined;
  private audio: PassThrough | undefined;
  private settled = false;
  private readonly body = new BodyEnd();
  private received = 0;
  private readonly hardCap: number;

  constructor(
    private readonly req: Request,
    private readonly parser: busboy.Busboy,
    private readonly maxBytes: number,
    private readonly onAudio: (part: AudioPart) => Promise<T>,
    private readonly settle: { resolve: (upload: Upload<T>) => void; reject: (error: unknown) => void },
    private readonly bounds: UploadBounds,
  ) {
    this.hardCap = maxBytes + 2 * FORM_OVERHEAD_BYTES + 1024 * 1024;
  }

  start(): void {
    const { req, parser } = this;
    req.on('data', (chunk: Buffer) => this.counted(chunk));
    parser.on('field', (name, value, info) => this.field(name, value, info.valueTruncated));
    parser.on('file', (name, stream) => this.file(name, stream));
    parser.on('partsLimit', () => this.fail('bad-request', 'too many parts'));
    parser.on('filesLimit', () => this.fail('bad-request', 'only one file may be sent'));
    parser.on('fieldsLimit', () => this.fail('bad-request', 'too many fields'));
    parser.on('error', () => {
      this.fail('bad-request', 'the multipart body could not be read');
      this.body.failed(this.failure!);
      this.finish(() => this.answer());
    });
    parser.on('close', () => {
      if (this.failure) this.body.failed(this.failure);
      else this.body.ended();
      this.finish(() => this.answer());
    });
    // A body cut off by the client never ends the parser: without this the upload would wait forever.
    req.on('close', () => this.closed());
    liftBodyDeadline(req);
    const pace = watchPace(req, this.bounds.pace, (detail) => this.stop('stalled', detail));
    const stopped = () => {
      const { reason, detail } = this.bounds.stop.reason as { reason: StopReason; detail: string };
      this.stop(reason, detail);
    };
    if (this.bounds.stop.aborted) return stopped();
    this.bounds.stop.addEventListener('abort', stopped, { once: true });
    req.once('close', () => {
      pace.stop();
      this.bounds.stop.removeEventListener('abort', stopped);
    });
    req.pipe(parser);
  }

  private fail(problem: 'too-large' | 'bad-request', detail: string) {
    this.failure ??= new BodyProblem(problem, detail);
  }

  private finish(outcome: () => Promise<Upload<T>>) {
    if (this.settled) return;
    this.settled = true;
    outcome().then(this.settle.resolve, this.settle.reject);
  }

  /** The answer once `onAudio` has settled, whatever it made of the file. */
  private async afterWork(answer: Upload<T>): Promise<Upload<T>> {
    await this.work?.catch(() => undefined);
    return answer;
  }

  private async answer(): Promise<Upload<T>> {
    const outcome = await this.work?.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    );
    // A malformed body is the answer even where `onAudio` failed because of it.
    if (this.failure) return { ok: false, problem: this.failure.problem, detail: this.failure.message };
    if (outcome && 'error' in outcome) throw outcome.error;
    return { ok: true, fields: this.fields, value: outcome?.value };
  }

  private counted(chunk: Buffer) {
    this.received += chunk.length;
    if (this.received <= this.hardCap) return;
    this.req.unpipe(this.parser);
    this.req.pause();
    this.fail('too-large', `the audio file must be at most ${this.maxBytes} bytes`);
    this.body.failed(this.failure!); // `onAudio` may be waiting for the end of a body that will not come
    this.finish(() => this.afterWork({ ok: false, problem: 'too-large', detail: this.failure!.message }));
  }

  private field(name: string, value: string, truncated: boolean) {
    // busboy gives no name (undefined) for a part with `name=""`: it is still the client's fault, not a crash.
    if (truncated || !FIELD_NAMES.has(name)) return this.fail('bad-request', `unexpected or oversized field "${String(name ?? '').slice(0, 40)}"`);
    if (this.work) return this.fail('bad-request', `send the field "${name}" before the audio file`);
    this.fields[name] = value;
  }

  private file(name: string, stream: Readable) {
    if (name !== 'audio' || this.work) {
      this.fail('bad-request', 'the only file part is "audio"');
      stream.resume();
      return;
    }
    // A stream of our own for `onAudio`: when it stops reading (refused, or failed), this one is
    // unhooked and drained, so busboy goes on to the end of the body.
    const ours = (this.audio = new PassThrough());
    stream.on('error', (error) => ours.destroy(error));
    // Its reader sees the failure; one that has stopped reading (it refused the fields) need not.
    ours.on('error', () => undefined);
    stream.pipe(ours);
    this.work = this.onAudio({ fields: { ...this.fields }, audio: ours, bodyRead: () => this.body.read });
    void this.work
      .catch((error: unknown) => this.workFailed(error))
      .finally(() => {
        stream.unpipe(ours);
        stream.resume();
      });
  }

  private closed() {
    if (this.req.complete) return;
    this.giveUp(new Error('the request body was cut off'), 'cut-off');
  }

  /** Gives the upload up while its body is still arriving: the client is answered once `onAudio` has cleaned up. */
  private stop(reason: StopReason, detail: string) {
    if (this.req.complete || this.settled) return;
    this.giveUp(new Error(detail), reason);
  }

  private giveUp(cause: Error, problem: 'cut-off' | StopReason) {
    this.req.unpipe(this.parser);
    this.parser.destroy();
    this.audio?.destroy(cause);
    this.body.failed(cause);
    this.finish(() => this.afterWork({ ok: false, problem, detail: cause.message }));
  }

  /**
   * The store (or the database) failed `onAudio`: nothing the rest of the body holds can change the
   * answer, so it is not read on; the route answers at once and closes the connection.
   */
  private workFailed(error: unknown) {
    if (this.failure || this.settled || !isDependencyUnavailable(error)) return;
    this.req.unpipe(this.parser);
    this.parser.destroy();
    this.body.failed(error as Error);
    this.finish(() => Promise.reject(error));
  }
}

/**
 * Reads a multipart upload whose fields come before its one file part, "audio", and hands the file
 * to `onAudio` as a stream as soon as it starts: nothing of it is held here, and busboy's backpressure
 * slows the client to the pace `onAudio` reads at. Whatever `onAudio` does not read is read to the end
 * and thrown away (so the client hears the answer cleanly), or, far past the limit, the connection is
 * cut. A client that goes mid-body makes the stream fail, and the answer waits for `onAudio` to settle
 * (so its cleanup is done before the request's room is given back).
 */
export function readUpload<T>(req: Request, maxBytes: number, bounds: UploadBounds, onAudio: (part: AudioPart) => Promise<T>): Promise<Upload<T>> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      // One byte over the limit reaches `onAudio`, whose own count refuses it.
      parser = busboy({ headers: req.headers, limits: { files: 1, fields: 10, parts: 11, fieldSize: 1024, fileSize: maxBytes + 1 } });
    } catch {
      resolve({ ok: false, problem: 'bad-request', detail: 'send the recording as multipart/form-data' });
      return;
    }
    new UploadRead(req, parser, maxBytes, onAudio, { resolve, reject }, bounds).start();
  });
}
