import busboy from 'busboy';
import type { Request } from 'express';

export type Upload =
  | { ok: true; fields: Record<string, string>; audio: Buffer | undefined }
  | { ok: false; problem: 'too-large' | 'bad-request'; detail: string };

const FIELD_NAMES = new Set(['assessmentRef', 'recordedAt', 'nino', 'mobile', 'language', 'sha256']);

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
    const chunks: Buffer[] = [];
    let audioSeen = false;
    let failure: Upload | undefined;
    const fail = (problem: 'too-large' | 'bad-request', detail: string) => {
      failure ??= { ok: false, problem, detail };
    };

    let received = 0;
    const hardCap = 2 * maxBytes + 1024 * 1024;
    req.on('data', (chunk: Buffer) => {
      received += chunk.length;
      if (received > hardCap) {
        req.unpipe(parser);
        req.pause();
        fail('too-large', `the audio file must be at most ${maxBytes} bytes`);
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
        if (!failure) chunks.push(chunk);
      });
      stream.on('limit', () => {
        chunks.length = 0;
        fail('too-large', `the audio file must be at most ${maxBytes} bytes`);
      });
    });
    parser.on('partsLimit', () => fail('bad-request', 'too many parts'));
    parser.on('filesLimit', () => fail('bad-request', 'only one file may be sent'));
    parser.on('fieldsLimit', () => fail('bad-request', 'too many fields'));
    parser.on('error', () => {
      fail('bad-request', 'the multipart body could not be read');
      resolve(failure!);
    });
    parser.on('close', () => resolve(failure ?? { ok: true, fields, audio: audioSeen ? Buffer.concat(chunks) : undefined }));
    req.pipe(parser);
  });
}
