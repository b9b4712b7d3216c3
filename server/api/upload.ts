import busboy from 'busboy';
import type { Request } from 'express';

export type Upload =
  | { ok: true; fields: Record<string, string>; audio: Buffer | undefined }
  | { ok: false; problem: 'too-large' | 'bad-request'; detail: string }
  /** The client went before sending the whole body: there is nobody to answer. */
  | { ok: false; problem: 'cut-off'; detail: string };

const FIELD_NAMES = new Set(['assessmentRef', 'recordedAt', 'nino', 'mobile', 'language', 'sha256']);

/** The declared length of the request's body, at most the limit; undefined when it was sent without one. */
function declaredBytes(req: Request, maxBytes: number): number | undefined {
  const declared = Number(req.headers['content-length']);
  return req.headers['content-length'] !== undefined && Number.isSafeInteger(declared) && declared >= 0 ? Math.min(declared, maxBytes) : undefined;
}

/**
 * The most memory reading this upload can take: its declared length, or, for a body sent without one
 * (gathered in chunks and then joined), twice the limit.
 */
export function uploadMemoryBytes(req: Request, maxBytes: number): number {
  return declaredBytes(req, maxBytes) ?? 2 * maxBytes;
}

/**
 * The audio's bytes, copied into one buffer of the request's declared length as they arrive, so a
 * file is held once rather than twice (its chunks, then their concatenation). A body sent without
 * a length is gathered in chunks.
 */
function audioCollector(capacity: number | undefined) {
  let whole: Buffer | undefined;
  const chunks: Buffer[] = [];
  let length = 0;
  return {
    /** False if the chunk does not fit the declared length (which the HTTP parser should have made impossible). */
    add(chunk: Buffer): boolean {
      if (capacity !== undefined && length + chunk.length > capacity) return false;
      if (capacity === undefined) chunks.push(chunk);
      else (whole ??= Buffer.allocUnsafe(capacity)).set(chunk, length);
      length += chunk.length;
      return true;
    },
    clear() {
      chunks.length = 0;
      length = 0;
    },
    bytes: () => (capacity === undefined ? Buffer.concat(chunks) : (whole?.subarray(0, length) ?? Buffer.alloc(0))),
  };
}

/**
 * Reads a multipart upload, keeping the audio in memory only up to `maxBytes`: a larger file is
 * read to its end and thrown away (so the client hears the 413 cleanly), or, far past the limit,
 * the connection is cut. Nothing reaches the bucket until the whole file has been checked.
 */
export function readUpload(req: Request, maxBytes: number): Promise<Upload> {
  return new Promise((resolve) => {
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { files: 1, fields: 10, parts: 11, fieldSize: 1024, fileSize: maxBytes } });
    } catch {
      resolve({ ok: false, problem: 'bad-request', detail: 'send the recording as multipart/form-data' });
      return;
    }
    const fields: Record<string, string> = {};
    // The file is part of the body, so it fits in the body's declared length (and busboy stops it at the limit).
    const audio = audioCollector(declaredBytes(req, maxBytes));
    let audioSeen = false;
    let failure: Upload | undefined;
    const fail = (problem: 'too-large' | 'bad-request', detail: string) => {
      failure ??= { ok: false, problem, detail };
    };
    const failTooLarge = () => fail('too-large', `the audio file must be at most ${maxBytes} bytes`);

    let received = 0;
    const hardCap = 2 * maxBytes + 1024 * 1024;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > hardCap) {
        req.unpipe(parser);
        req.pause();
        failTooLarge();
        resolve(failure!);
      }
    });

    parser.on('field', (name, value, info) => {
      // busboy gives no name (undefined) for a part with `name=""`: it is still the client's fault, not a crash.
      if (info.valueTruncated || !FIELD_NAMES.has(name)) return fail('bad-request', `unexpected or oversized field "${String(name ?? '').slice(0, 40)}"`);
      fields[name] = value;
    });
    parser.on('file', (name, stream) => {
      // A body cut off mid-file errors the file's stream as well as the parser; both are the client's fault.
      stream.on('error', () => fail('bad-request', 'the multipart body could not be read'));
      if (name !== 'audio' || audioSeen) {
        fail('bad-request', 'the only file part is "audio"');
        stream.resume();
        return;
      }
      audioSeen = true;
      stream.on('data', (chunk: Buffer) => {
        if (!failure && !audio.add(chunk)) failTooLarge();
      });
      stream.on('limit', () => {
        audio.clear();
        failTooLarge();
      });
    });
    parser.on('partsLimit', () => fail('bad-request', 'too many parts'));
    parser.on('filesLimit', () => fail('bad-request', 'only one file may be sent'));
    parser.on('fieldsLimit', () => fail('bad-request', 'too many fields'));
    parser.on('error', () => {
      fail('bad-request', 'the multipart body could not be read');
      resolve(failure!);
    });
    parser.on('close', () => resolve(failure ?? { ok: true, fields, audio: audioSeen ? audio.bytes() : undefined }));
    // A body cut off by the client never ends the parser: without this the upload would wait forever.
    req.on('close', () => {
      if (req.complete) return;
      req.unpipe(parser);
      parser.destroy();
      audio.clear();
      resolve({ ok: false, problem: 'cut-off', detail: 'the request body was cut off' });
    });
    req.pipe(parser);
  });
}
