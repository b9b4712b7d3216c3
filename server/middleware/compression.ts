import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { RequestHandler, Response } from 'express';

/**
 * Compression for claimants on slow mobile connections, with Node's own zlib. Pages are small and
 * compressed as they are sent; static assets are compressed once, at their best, and kept (assets.ts).
 */
export type ContentEncoding = 'br' | 'gzip';

/** Below this, compressing saves less than it costs. */
const MIN_BYTES = 1024;
const COMPRESSIBLE_TYPE = /^(text\/|application\/(json|javascript)|image\/svg\+xml)/;

/** The best encoding the client accepts: brotli, then gzip, else none. */
export function negotiateEncoding(acceptEncoding: string | undefined): ContentEncoding | undefined {
  if (!acceptEncoding) return undefined;
  const accepted = new Map<string, number>();
  for (const part of acceptEncoding.split(',', 20)) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    accepted.set(name.trim(), q === undefined ? 1 : Number(q));
  }
  const acceptable = (name: ContentEncoding) => (accepted.get(name) ?? accepted.get('*') ?? 0) > 0;
  if (acceptable('br')) return 'br';
  if (acceptable('gzip')) return 'gzip';
  return undefined;
}

/** `fast` for responses made per request, `best` for assets compressed once and kept. */
export function encode(body: Buffer, encoding: ContentEncoding, effort: 'fast' | 'best'): Buffer {
  if (encoding === 'br') {
    return brotliCompressSync(body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: effort === 'best' ? constants.BROTLI_MAX_QUALITY : 5,
        [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    });
  }
  return gzipSync(body, { level: effort === 'best' ? 9 : 6 });
}

/**
 * A body sent whole to many clients (an asset, a page that is the same for every claimant in a
 * language): compressed once per encoding, at its best, when first asked for, and kept.
 */
export class KeptBody {
  readonly plain: Buffer;
  private readonly encoded = new Map<ContentEncoding, Buffer>();

  constructor(
    body: Buffer | string,
    readonly compressible: boolean,
  ) {
    this.plain = typeof body === 'string' ? Buffer.from(body) : body;
  }

  encodedAs(encoding: ContentEncoding): Buffer {
    let body = this.encoded.get(encoding);
    if (!body) {
      body = encode(this.plain, encoding, 'best');
      this.encoded.set(encoding, body);
    }
    return body;
  }
}

/** Sends a kept body in the best encoding the client accepts; the response's Content-Type is set already. */
export function sendKept(res: Response, kept: KeptBody): void {
  if (kept.compressible) {
    res.vary('Accept-Encoding');
    const encoding = negotiateEncoding(res.req.get('Accept-Encoding'));
    if (encoding) {
      res.set('Content-Encoding', encoding);
      res.send(kept.encodedAs(encoding));
      return;
    }
  }
  res.send(kept.plain);
}

/** Whether a page's text is worth compressing (see MIN_BYTES). */
export const worthCompressing = (text: string) => Buffer.byteLength(text) >= MIN_BYTES;

export const isCompressibleType = (contentType: string | undefined) => contentType !== undefined && COMPRESSIBLE_TYPE.test(contentType);

/**
 * Compresses text the app sends whole (rendered pages, JSON). Pages carrying a download grant reflect
 * nothing an attacker controls and are only sent with a SameSite=Strict cookie, so BREACH-style
 * guessing through compressed sizes has nothing to work with.
 */
export function compressResponses(): RequestHandler {
  return (req, res, next) => {
    const send = res.send;
    res.send = function sendCompressed(this: Response, body?: unknown) {
      if (typeof body !== 'string' || !worthCompressing(body) || res.get('Content-Encoding')) return send.call(this, body);
      if (!res.get('Content-Type')) res.type('html');
      if (!isCompressibleType(res.get('Content-Type'))) return send.call(this, body);
      res.vary('Accept-Encoding');
      const encoding = negotiateEncoding(req.get('Accept-Encoding'));
      if (!encoding) return send.call(this, body);
      res.set('Content-Encoding', encoding);
      return send.call(this, encode(Buffer.from(body), encoding, 'fast'));
    } as Response['send'];
    next();
  };
}
