import { AbortMultipartUploadCommand, CompleteMultipartUploadCommand, CreateMultipartUploadCommand, UploadPartCommand } from '@aws-sdk/client-s3';
import { ObjectStoreUnavailable } from './objectStoreUnavailable';
import { deleteEverywhere, putObject, type S3Bucket } from './s3Bucket';

/**
 * Parts of a streamed upload: S3's smallest part but the last, so at most PART_BYTES × (PARTS_IN_FLIGHT + 1)
 * of one upload is in memory at once, and a 2 GB file is about 400 parts (S3 allows 10,000).
 */
export const PART_BYTES = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;
export const STREAMED_UPLOAD_BUFFER_BYTES = PART_BYTES * (PARTS_IN_FLIGHT + 1);

/**
 * A part the store fails is sent again after these pauses (on top of the SDK's own second attempt),
 * so an outage or a failover of up to about 7 s in the middle of a long upload is survived; a
 * longer one fails the upload, and the provider is told to send it again.
 */
const PART_RETRY_DELAYS_MS = [1_000, 2_000, 4_000];

/** Failures a second try may get past: no answer at all (refused, reset, timed out), a 5xx, or "slow down". */
function worthRetrying(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return status === undefined || status >= 500 || status === 429 || status === 408;
}

/**
 * The slowest rate a store is expected to join parts at. S3 keeps the connection open with whitespace
 * while it completes an upload (which "can take several minutes"); a store that does not (the embedded
 * one, and others) says nothing until the object is written: 5 s for 1 GB on an idle 2-core machine,
 * past S3_TIMEOUT when the machine is busy.
 */
const JOINING_BYTES_PER_MS = (10 * 1024 * 1024) / 1000;

/** How long completing an upload of `bytes` may take: S3_TIMEOUT, and time to join the parts at the slowest expected rate. */
const completionDeadlineMs = (bytes: number, stalledAfterMs: number) => stalledAfterMs + Math.ceil(bytes / JOINING_BYTES_PER_MS);

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The store answered that it has no such operation (s3rver has no AbortMultipartUpload). */
const notImplemented = (error: unknown) => [405, 501].includes((error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode ?? 0);

/** A body's error is the caller's to report; the store's errors are ObjectStoreUnavailable. */
class BodyFailed {
  constructor(readonly error: unknown) {}
}

/** The store failed a part while the body was being read: its error, not the body's. */
class PartFailed {
  constructor(readonly error: unknown) {}
}

/** One multipart upload: started with its first part, at most PARTS_IN_FLIGHT parts sent at once. */
class MultipartUpload {
  private uploadId: string | undefined;
  private partsStarted = 0;
  private bytesStarted = 0;
  private readonly parts: { PartNumber: number; ETag: string | undefined }[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private partFailure: unknown;
  /** Told when a part fails for good, while the body is being waited on. */
  private partFailureListener: ((failure: PartFailed) => void) | undefined;
  // Part buffers are reused once sent, so a long upload does not leave a trail of garbage for the GC.
  private readonly spare: Buffer[] = [];

  constructor(
    private readonly bucket: S3Bucket,
    private readonly key: string,
    private readonly contentType: string,
  ) {}

  /**
   * The body's next chunk, or the first part's failure as soon as it happens. (A promise of its own
   * each time: a race against one long-lived promise would keep every chunk the body ever gave.)
   */
  nextChunk(chunks: AsyncIterator<Buffer>): Promise<IteratorResult<Buffer>> {
    return new Promise<IteratorResult<Buffer>>((resolve, reject) => {
      if (this.partFailure) return reject(new PartFailed(this.partFailure));
      this.partFailureListener = reject;
      chunks.next().then(resolve, (error: unknown) => reject(new BodyFailed(error)));
    }).finally(() => (this.partFailureListener = undefined));
  }

  get started(): boolean {
    return this.uploadId !== undefined;
  }

  /** A buffer to fill with the next part: one already sent, where there is one. */
  emptyPart(): Buffer {
    return this.spare.pop() ?? Buffer.allocUnsafe(PART_BYTES);
  }

  /** Sends a part, returning once fewer than PARTS_IN_FLIGHT are under way; throws the first part's failure. */
  async startPart(bytes: Buffer): Promise<void> {
    const { client, settings } = this.bucket;
    this.uploadId ??= (
      await client.send(new CreateMultipartUploadCommand({ Bucket: settings.bucket, Key: this.key, ContentType: this.contentType, ServerSideEncryption: settings.serverSideEncryption }))
    ).UploadId;
    this.bytesStarted += bytes.length;
    const sending = this.sendPart(bytes, ++this.partsStarted).catch((error: unknown) => {
      this.partFailure ??= error;
      this.partFailureListener?.(new PartFailed(error));
    });
    this.inFlight.add(sending);
    void sending.finally(() => this.inFlight.delete(sending));
    while (this.inFlight.size >= PARTS_IN_FLIGHT) await Promise.race(this.inFlight);
    if (this.partFailure) throw new PartFailed(this.partFailure);
  }

  private async sendPart(bytes: Buffer, partNumber: number): Promise<void> {
    const { client, settings } = this.bucket;
    let sent;
    for (let attempt = 0; ; attempt++) {
      try {
        sent = await client.send(new UploadPartCommand({ Bucket: settings.bucket, Key: this.key, UploadId: this.uploadId, PartNumber: partNumber, Body: bytes }));
        break;
      } catch (error) {
        if (attempt >= PART_RETRY_DELAYS_MS.length || !worthRetrying(error)) throw error;
        await pause(PART_RETRY_DELAYS_MS[attempt]);
      }
    }
    this.parts.push({ PartNumber: partNumber, ETag: sent.ETag });
    if (bytes.length === PART_BYTES) this.spare.push(bytes);
  }

  /** Waits for the parts under way, then makes the object visible. */
  async complete(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.partFailure) throw this.partFailure;
    await this.sendComplete();
  }

  private sendComplete() {
    const { completingClient, settings } = this.bucket;
    return completingClient.send(
      new CompleteMultipartUploadCommand({
        Bucket: settings.bucket,
        Key: this.key,
        UploadId: this.uploadId,
        MultipartUpload: { Parts: [...this.parts].sort((a, b) => a.PartNumber - b.PartNumber) },
      }),
      { abortSignal: AbortSignal.timeout(completionDeadlineMs(this.bytesStarted, settings.stalledAfterMs)) },
    );
  }

  /**
   * Parts uploaded but never completed are invisible, yet kept (and billed) until aborted; the bucket's
   * lifecycle rule (AbortIncompleteMultipartUpload) catches an instance that stopped before this ran.
   */
  async abandon(): Promise<void> {
    await Promise.allSettled(this.inFlight);
    if (!this.uploadId) return;
    try {
      await this.bucket.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket.settings.bucket, Key: this.key, UploadId: this.uploadId }));
    } catch (error) {
      if (!notImplemented(error) || this.parts.length === 0) throw error;
      // A store without abort (the embedded s3rver): complete what it holds, then delete it.
      await this.sendComplete();
      await deleteEverywhere(this.bucket, this.key);
    }
  }
}

/**
 * Reads the body into parts, starting each as it fills, and returns the last one (not full, perhaps
 * empty). What the body throws is its failure; what the store throws while it is read is the store's,
 * and it is thrown as soon as a part has failed (after its retries), not when the body next brings a
 * chunk: the client may be waiting for its answer. (The body is then left unread, not returned: its
 * pending read would keep the answer waiting for the client.)
 */
async function startFullParts(body: AsyncIterable<Buffer>, upload: MultipartUpload): Promise<Buffer> {
  const chunks = body[Symbol.asyncIterator]();
  let part = upload.emptyPart();
  let filled = 0;
  for (;;) {
    const next = await upload.nextChunk(chunks).catch((error: unknown) => {
      throw error instanceof PartFailed ? error.error : error;
    });
    if (next.done) return part.subarray(0, filled);
    const chunk = next.value;
    for (let offset = 0; offset < chunk.length; ) {
      const taken = chunk.copy(part, filled, offset);
      filled += taken;
      offset += taken;
      if (filled === PART_BYTES) {
        await upload.startPart(part);
        part = upload.emptyPart();
        filled = 0;
      }
    }
  }
}

async function approval(approve: () => Promise<{ sha256Hex: string }>): Promise<{ sha256Hex: string }> {
  try {
    return await approve();
  } catch (error) {
    throw new BodyFailed(error);
  }
}

/** See ObjectStorage.putStreamed: nothing stays under `key` unless the body is read to its end and approved. */
export async function putStreamed(bucket: S3Bucket, key: string, body: AsyncIterable<Buffer>, contentType: string, approve: () => Promise<{ sha256Hex: string }>) {
  const upload = new MultipartUpload(bucket, key, contentType);
  try {
    const lastPart = await startFullParts(body, upload);
    const approved = await approval(approve);
    if (!upload.started) {
      // The whole file fitted in one part: one PUT, with its checksum checked by the store.
      await putObject(bucket, key, lastPart, lastPart.length, contentType, approved.sha256Hex);
      return;
    }
    if (lastPart.length > 0) await upload.startPart(lastPart);
    await upload.complete();
  } catch (failure) {
    await upload.abandon().catch((cleanupError: unknown) => {
      throw new ObjectStoreUnavailable(cleanupError);
    });
    if (failure instanceof BodyFailed) throw failure.error;
    throw new ObjectStoreUnavailable(failure instanceof PartFailed ? failure.error : failure);
  }
}
