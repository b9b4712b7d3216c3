import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { ObjectStorage } from '../objects/s3Objects';
import { planBytes, slicesOf, type ByteSpan } from '../policy/byteRange';
import type { AudioSource } from '../services/gatekeeper';

export interface AudioDeliveryOptions {
  /** The most one bucket read carries; between reads the listener is asked about again. */
  sliceBytes: number;
  /**
   * Whether an open range (`bytes=N-`, what a media element asks for) is answered with one slice, the
   * player asking again for the next, rather than to its end (what a download manager resuming wants).
   */
  oneSlicePerRange: boolean;
  /**
   * Asked before every slice after the first (the route asked before the first): whether whoever this
   * answer is for may still have the bytes. When not, the connection is cut, so no answer outlives the
   * session, the link or the recording by more than one slice, with or without Range.
   */
  stillAllowed: () => Promise<boolean>;
  logger: Logger;
}

/**
 * Sends an object's bytes from the bucket through the portal, honouring Range and If-Range, so a
 * player can seek and a download manager can resume at the portal's own address (which does not
 * expire the way a presigned URL does). The bucket is read slice by slice, each a request signed
 * there and then for just those bytes; the body streams with backpressure, so a slow phone holds a
 * socket and a few buffers, never the file.
 *
 * Resolves false when the object is not in the bucket (nothing has been sent).
 */
export async function sendAudio(req: Request, res: Response, objects: ObjectStorage, source: AudioSource, options: AudioDeliveryOptions): Promise<boolean> {
  const maxSliceBytes = options.oneSlicePerRange ? options.sliceBytes : Infinity;
  const plan = planBytes({ range: req.get('Range'), ifRange: req.get('If-Range'), size: source.sizeBytes, etag: source.etag, maxSliceBytes });
  res.setHeader('Accept-Ranges', 'bytes');
  res.setHeader('ETag', source.etag);
  res.setHeader('Cache-Control', 'private, no-store');
  if (plan.status === 416) {
    res.status(416).setHeader('Content-Range', `bytes */${source.sizeBytes}`);
    res.end();
    return true;
  }
  const [first, ...rest] = slicesOf(plan, options.sliceBytes);
  // The first slice is asked for before anything is sent, so a missing object is still a page of its own.
  const firstBody = req.method === 'HEAD' ? undefined : await objects.readBytes(source.key, first.start, first.end);
  if (req.method !== 'HEAD' && !firstBody) return false;
  res.status(plan.status);
  res.setHeader('Content-Type', source.contentType);
  res.setHeader('Content-Disposition', `${source.disposition}; filename="${source.fileName}"`);
  res.setHeader('Content-Length', String(plan.end - plan.start + 1));
  if (plan.status === 206) res.setHeader('Content-Range', `bytes ${plan.start}-${plan.end}/${source.sizeBytes}`);
  if (!firstBody) {
    res.end();
    return true;
  }
  await streamSlices(res, firstBody, rest, (slice) => objects.readBytes(source.key, slice.start, slice.end), options);
  return true;
}

/** Why an answer stopped short on purpose: nothing to log, the connection is simply cut. */
class StoppedBetweenSlices extends Error {}

/**
 * Pipes the slices one after another, asking before each whether to go on. A refusal, a slice the
 * bucket no longer has, a bucket that stops sending or a client that goes all end the same way: the
 * connection is destroyed (its Content-Length unmet, so the player or download manager sees an error
 * rather than a short file) and nothing is left to throw.
 */
async function streamSlices(res: Response, firstBody: Readable, rest: ByteSpan[], read: (slice: ByteSpan) => Promise<Readable | undefined>, options: AudioDeliveryOptions): Promise<void> {
  async function* bytes() {
    yield* firstBody;
    for (const slice of rest) {
      if (!(await stillAllowed(options))) throw new StoppedBetweenSlices();
      const body = await read(slice);
      if (!body) throw new StoppedBetweenSlices();
      yield* body;
    }
  }
  try {
    // One pipeline for the whole answer: a client that goes ends the slice being read, and the rest are never asked for.
    await pipeline(bytes, res);
  } catch (error) {
    // The player or the download manager asks again from where it stopped. A claimant who seeks,
    // pauses or loses signal closes their own connection (the request log says "aborted"); only a
    // bucket that stopped sending is worth a line of its own.
    const clientWent = (error as { code?: string }).code === 'ERR_STREAM_PREMATURE_CLOSE';
    if (!clientWent && !(error instanceof StoppedBetweenSlices)) {
      options.logger.warn({ err: { name: (error as Error).name, code: (error as { code?: string }).code } }, 'the bucket stopped sending audio mid-transfer');
    }
    res.destroy();
  }
}

/** A check that cannot be made (the database away) is a refusal: the player asks again, and is answered then. */
async function stillAllowed(options: AudioDeliveryOptions): Promise<boolean> {
  try {
    return await options.stillAllowed();
  } catch (error) {
    options.logger.warn({ err: { name: (error as Error).name } }, 'could not check the listener mid-transfer; the connection is cut');
    return false;
  }
}
