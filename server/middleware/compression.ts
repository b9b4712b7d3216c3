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
      if (typeof body !== 'string' || Buffer.byteLength(body) < MIN_BYTES || res.get('Content-Encoding')) return send.call(this, body);
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
