import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { ObjectStorage } from '../objects/s3Objects';
import { planBytes } from '../policy/byteRange';
import type { AudioSource } from '../services/gatekeeper';

/**
 * Sends an object's bytes from the bucket through the portal, honouring Range and If-Range, so a
 * player can seek and a download manager can resume at the portal's own address (which does not
 * expire the way a presigned URL does). The bucket is read with a request signed there and then,
 * for just the bytes this response carries; the body streams with backpressure, so a slow phone
 * holds a socket and a few buffers, never the file.
 *
 * Resolves false when the object is not in the bucket (nothing has been sent).
 */
export async function sendAudio(
  req: Request,
  res: Response,
  objects: ObjectStorage,
  source: AudioSource,
  options: { maxSliceBytes: number; logger: Logger },
): Promise<boolean> {
  const plan = planBytes({ range: req.get('Range'), ifRange: req.get('If-Range'), size: source.sizeBytes, etag: source.etag, maxSliceBytes: options.maxSliceBytes });
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('ETag', source.etag);
  res.setHeader('Cache-Control', 'private, no-store');
  if (plan.status === 416) {
    res.status(416).setHeader('Content-Range', `bytes */${source.sizeBytes}`);
    res.end();
    return true;
  }
  const body = req.method === 'HEAD' ? undefined : await objects.readBytes(source.key, plan.start, plan.end);
  if (req.method !== 'HEAD' && !body) return false;
  res.status(plan.status);
  res.setHeader('Content-Type', source.contentType);
  res.setHeader('Content-Disposition', `${source.disposition}; filename="${source.fileName}"`);
  res.setHeader('Content-Length', String(plan.end - plan.start + 1));
  if (plan.status === 206) res.setHeader('Content-Range', `bytes ${plan.start}-${plan.end}/${source.sizeBytes}`);
  if (!body) {
    res.end();
    return true;
  }
  try {
    await pipeline(body, res);
  } catch (error) {
    // The player or the download manager asks again from where it stopped. A claimant who seeks,
    // pauses or loses signal closes their own connection (the request log says "aborted"); only a
    // bucket that stopped sending is worth a line of its own.
    const clientWent = !res.socket || res.socket.destroyed;
    if (!clientWent) options.logger.warn({ err: { name: (error as Error).name, code: (error as { code?: string }).code } }, 'the bucket stopped sending audio mid-transfer');
  }
  return true;
}
