import busboy from 'busboy';
import type { Request } from 'express';
import { PassThrough, type Readable } from 'node:stream';

export type Upload<T> =
  /** `value` is what `onAudio` made of the file; undefined when the request had no file. */
  | { ok: true; fields: Record<string, string>; value: T | undefined }
  | { ok: false; problem: 'too-large' | 'bad-request'; detail: string }
  /** The client went before sending the whole body: there is nobody to answer. */
  | { ok: false; problem: 'cut-off'; detail: string };

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

/**
 * Reads a multipart upload whose fields come before its one file part, "audio", and hands the file
 * to `onAudio` as a stream as soon as it starts: nothing of it is held here, and busboy's backpressure
 * slows the client to the pace `onAudio` reads at. Whatever `onAudio` does not read is read to the end
 * and thrown away (so the client hears the answer cleanly), or, far past the limit, the connection is
 * cut. A client that goes mid-body makes the stream fail, and the answer waits for `onAudio` to settle
 * (so its cleanup is done before the request's room is given back).
 */
export function readUpload<T>(req: Request, maxBytes: number, onAudio: (part: AudioPart) => Promise<T>): Promise<Upload<T>> {
  return new Promise((resolve, reject) => {
    let parser: busboy.Busboy;
    try {
      // One byte over the limit reaches `onAudio`, whose own count refuses it.
      parser = busboy({ headers: req.headers, limits: { files: 1, fields: 10, parts: 11, fieldSize: 1024, fileSize: maxBytes + 1 } });
    } catch {
      resolve({ ok: false, problem: 'bad-request', detail: 'send the recording as multipart/form-data' });
      return;
    }
    const fields: Record<string, string> = {};
    let failure: BodyProblem | undefined;
    const fail = (problem: 'too-large' | 'bad-request', detail: string) => {
      failure ??= new BodyProblem(problem, detail);
    };
    let work: Promise<T> | undefined;
    let audio: PassThrough | undefined;
    let settled = false;
    const finish = (outcome: () => Promise<Upload<T>>) => {
      if (settled) return;
      settled = true;
      outcome().then(resolve, reject);
    };
    const answer = async (): Promise<Upload<T>> => {
      const outcome = await work?.then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      // A malformed body is the answer even where `onAudio` failed because of it.
      if (failure) return { ok: false, problem: failure.problem, detail: failure.message };
      if (outcome && 'error' in outcome) throw outcome.error;
      return { ok: true, fields, value: outcome?.value };
    };
    let bodyEnded!: () => void;
    let bodyFailed!: (error: Error) => void;
    const bodyRead = new Promise<void>((ok, notOk) => {
      bodyEnded = ok;
      bodyFailed = notOk;
    });
    bodyRead.catch(() => undefined);

    let received = 0;
    const hardCap = maxBytes + 2 * FORM_OVERHEAD_BYTES + 1024 * 1024;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > hardCap) {
        req.unpipe(parser);
        req.pause();
        fail('too-large', `the audio file must be at most ${maxBytes} bytes`);
        bodyFailed(failure!); // `onAudio` may be waiting for the end of a body that will not come
        finish(async () => {
          await work?.catch(() => undefined);
          return { ok: false, problem: 'too-large', detail: failure!.message };
        });
      }
    });

    parser.on('field', (name, value, info) => {
      // busboy gives no name (undefined) for a part with `name=""`: it is still the client's fault, not a crash.
      if (info.valueTruncated || !FIELD_NAMES.has(name)) return fail('bad-request', `unexpected or oversized field "${String(name ?? '').slice(0, 40)}"`);
      if (work) return fail('bad-request', `send the field "${name}" before the audio file`);
      fields[name] = value;
    });
    parser.on('file', (name, stream) => {
      if (name !== 'audio' || work) {
        fail('bad-request', 'the only file part is "audio"');
        stream.resume();
        return;
      }
      // A stream of our own for `onAudio`: when it stops reading (refused, or failed), this one is
      // unhooked and drained, so busboy goes on to the end of the body.
      const ours = (audio = new PassThrough());
      stream.on('error', (error) => ours.destroy(error));
      // Its reader sees the failure; one that has stopped reading (it refused the fields) need not.
      ours.on('error', () => undefined);
      stream.pipe(ours);
      work = onAudio({ fields: { ...fields }, audio: ours, bodyRead: () => bodyRead });
      void work
        .catch(() => undefined)
        .finally(() => {
          stream.unpipe(ours);
          stream.resume();
        });
    });
    parser.on('partsLimit', () => fail('bad-request', 'too many parts'));
    parser.on('filesLimit', () => fail('bad-request', 'only one file may be sent'));
    parser.on('fieldsLimit', () => fail('bad-request', 'too many fields'));
    parser.on('error', () => {
      fail('bad-request', 'the multipart body could not be read');
      bodyFailed(failure!);
      finish(answer);
    });
    parser.on('close', () => {
      if (failure) bodyFailed(failure);
      else bodyEnded();
      finish(answer);
    });
    // A body cut off by the client never ends the parser: without this the upload would wait forever.
    req.on('close', () => {
      if (req.complete) return;
      req.unpipe(parser);
      parser.destroy();
      const cutOff = new Error('the request body was cut off');
      audio?.destroy(cutOff);
      bodyFailed(cutOff);
      finish(async () => {
        await work?.catch(() => undefined);
        return { ok: false, problem: 'cut-off', detail: cutOff.message };
      });
    });
    req.pipe(parser);
  });
}
