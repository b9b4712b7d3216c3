import type { Readable } from 'node:stream';
import type { Request, Response } from 'express';
import type { Logger } from 'pino';
import type { ObjectStorage } from '../objects/s3Objects';
import { planBytes, slicesOf, type ByteSpan } from '../policy/byteRange';
import type { AudioSource } from '../services/gatekeeper';

export interface AudioDeliveryOptions {
  /** The most one bucket read carries; between reads the listener is asked about again. */
  sliceBytes: number;
  /**
   * Asked before every bucket read after the first (the route asked before the first): whether whoever
   * this answer is for may still have the bytes. When not, the connection is cut, so no answer outlives
   * the session, the link or the recording by more than one slice, whatever Range it was asked with.
   */
  stillAllowed: () => Promise<boolean>;
  logger: Logger;
}

/**
 * Sends an object's bytes from the bucket through the portal, honouring Range and If-Range, so a
 * player can seek and a download manager can resume at the portal's own address (which does not
 * expire the way a presigned URL does). Every answer, whole (no Range, as WebKit's player first asks)
 * or to the end (`bytes=N-`), is read from the bucket slice by slice, each a request signed there and
 * then, the listener checked before each; the body streams with backpressure, so a slow phone holds
 * a socket and a few buffers, never the file.
 *
 * Resolves false when the object is not in the bucket (nothing has been sent).
 */
export async function sendAudio(req: Request, res: Response, objects: ObjectStorage, source: AudioSource, options: AudioDeliveryOptions): Promise<boolean> {
  const plan = planBytes({ range: req.get('Range'), ifRange: req.get('If-Range'), size: source.sizeBytes, etag: source.etag });
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
  const bucket: BucketReads = { read: (span) => objects.readBytes(source.key, span.start, span.end), giveBackAfterMs: objects.readIdleMs / 2 };
  await streamSlices(res, { span: first, body: firstBody }, rest, bucket, options);
  return true;
}

/** Why an answer stopped short on purpose: nothing to log, the connection is simply cut. */
class StoppedBetweenSlices extends Error {}

/** The listener closed the connection (seeked, closed the page, lost signal): nothing to log either. */
class ListenerWent extends Error {}

interface BucketReads {
  read: (span: ByteSpan) => Promise<Readable | undefined>;
  /**
   * A read left unread this long (the listener paused, its buffers full) is given back, well before
   * the bucket's idle timeout would cut it, and read again from that byte when the listener reads on.
   */
  giveBackAfterMs: number;
}

/**
 * Sends the slices one after another, asking before each bucket read whether to go on. A refusal, a
 * slice the bucket no longer has, a bucket that stops sending or a client that goes all end the same
 * way: the connection is destroyed (its Content-Length unmet, so the player or download manager sees
 * an error rather than a short file) and nothing is left to throw.
 */
async function streamSlices(res: Response, first: { span: ByteSpan; body: Readable }, rest: ByteSpan[], bucket: BucketReads, options: AudioDeliveryOptions): Promise<void> {
  try {
    await sendSlice(res, first.span, first.body, bucket, options);
    for (const slice of rest) await sendSlice(res, slice, undefined, bucket, options);
    res.end();
  } catch (error) {
    // The player or the download manager asks again from where it stopped. A claimant who seeks or
    // loses signal closes their own connection (the request log says "aborted"); only a bucket that
    // stopped sending is worth a line of its own.
    if (!(error instanceof ListenerWent) && !(error instanceof StoppedBetweenSlices)) {
      options.logger.warn({ err: { name: (error as Error).name, code: (error as { code?: string }).code } }, 'the bucket stopped sending audio mid-transfer');
    }
    res.destroy();
  }
}

/**
 * One slice's bytes. A listener who pauses stops reading; once its read has sat unread for
 * `giveBackAfterMs` it is given back and, when the listener reads on (after a pause of any length,
 * longer than any presigned URL or bucket timeout), the rest of the slice is a new read, asked about
 * first like any other: a session that ended during the pause gets no more bytes.
 */
async function sendSlice(res: Response, slice: ByteSpan, opened: Readable | undefined, bucket: BucketReads, options: AudioDeliveryOptions): Promise<void> {
  let body = opened;
  for (let start = slice.start; start <= slice.end; body = undefined) {
    if (!body) {
      // A new read, and the check before it, wait for the listener to read on: a paused player holds no bucket connection.
      await roomIn(res);
      if (!(await stillAllowed(options))) throw new StoppedBetweenSlices();
      if (res.destroyed) throw new ListenerWent();
      body = await bucket.read({ start, end: slice.end });
      if (!body) throw new StoppedBetweenSlices();
    }
    const { sent, givenBack } = await pipeRead(body, res, bucket.giveBackAfterMs);
    start += sent;
    if (!givenBack && start <= slice.end) throw new Error(`the bucket ended a read ${slice.end + 1 - start} bytes short`);
  }
}

/** Resolves once the answer's buffers have room (at once when they have); rejects when the listener has gone. */
function roomIn(res: Response): Promise<void> {
  if (res.destroyed) return Promise.reject(new ListenerWent());
  if (!res.writableNeedDrain) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const settle = (error?: Error) => {
      res.off('drain', onDrain).off('close', onClose);
      if (error) reject(error);
      else resolve();
    };
    const onDrain = () => settle();
    const onClose = () => settle(new ListenerWent());
    res.once('drain', onDrain).once('close', onClose);
  });
}

/**
 * Writes one bucket read into the answer as its chunks arrive, pausing the read while the answer's
 * buffers are full, as `pipe` does (the bytes are never copied or held). Resolves with the bytes
 * written once the read ends or is given back; rejects when the bucket stops sending or the listener goes.
 */
function pipeRead(read: Readable, res: Response, giveBackAfterMs: number): Promise<{ sent: number; givenBack: boolean }> {
  return new Promise((resolve, reject) => {
    let sent = 0;
    let givenBack = false;
    let unread: NodeJS.Timeout | undefined;
    const settle = (error?: Error) => {
      clearTimeout(unread);
      read.off('data', onData).off('end', onEnd).off('error', settle).off('close', onReadClosed);
      res.off('drain', onDrain).off('close', onListenerWent).off('error', onListenerWent);
      if (error) reject(error);
      else resolve({ sent, givenBack });
    };
    const onData = (chunk: Buffer) => {
      sent += chunk.length;
      if (res.write(chunk)) return;
      read.pause();
      // Armed only while the listener is not reading, so a player that keeps up costs no timer a chunk
      // (and armed afresh, never twice, should a chunk already on its way arrive after the pause).
      clearTimeout(unread);
      unread = setTimeout(() => {
        givenBack = true;
        settle();
        read.destroy();
      }, giveBackAfterMs);
    };
    const onDrain = () => {
      clearTimeout(unread);
      read.resume();
    };
    const onEnd = () => settle();
    const onReadClosed = () => {
      if (!read.readableEnded) settle(new Error('the bucket closed a read before its end'));
    };
    const onListenerWent = () => {
      read.destroy();
      settle(new ListenerWent());
    };
    // An error after this read is settled (a socket reset as it is given back) has nothing left to stop.
    read.on('error', () => undefined);
    if (res.destroyed) return onListenerWent();
    read.on('data', onData).once('end', onEnd).once('error', settle).once('close', onReadClosed);
    res.on('drain', onDrain).once('close', onListenerWent).once('error', onListenerWent);
  });
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
