import type { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';

/**
 * Closes a file stream its reader may have left part-read (a refused upload, a put the store gave up
 * on) and waits until its descriptor is released: closed here, not later by the garbage collector.
 */
export async function closeStream(stream: Readable): Promise<void> {
  stream.destroy();
  await finished(stream).catch(() => undefined);
}
