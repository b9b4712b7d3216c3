import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { objectRequests } from './objectRequests';

export interface S3Settings {
  endpoint: string | undefined;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  /** A versioned bucket (production): deleting an object means deleting every version of it. */
  versioned: boolean;
  /** Server-side encryption requested on every put ('AES256' or 'aws:kms'); undefined asks for none. */
  serverSideEncryption: 'AES256' | 'aws:kms' | undefined;
  /** A request that hears nothing from the server for this long fails, instead of holding its caller. */
  stalledAfterMs: number;
}

export interface PresignRequest {
  key: string;
  contentType: string;
  /** `attachment` makes the browser save the file (a download); `inline` lets the page's player stream it. */
  disposition: 'attachment' | 'inline';
  fileName: string;
  ttlSeconds: number;
  now: Date;
}

/**
 * Raised when the object store fails a request, so pages can say "temporarily unavailable". `reason`
 * says why for the logs: a store that is down and a bucket policy that refuses us look alike to a
 * claimant, not to an operator.
 */
export class ObjectStoreUnavailable extends Error {
  readonly reason: string;
  /**
   * The store answered, with our credentials accepted, that this object may not be touched (Object
   * Lock, a bucket policy): trying again will not help. Wrong credentials, a skewed clock or an outage
   * are not refusals: they concern every object, not this one.
   */
  readonly refused: boolean;

  constructor(cause: unknown) {
    super('object storage is unavailable', { cause });
    this.name = 'ObjectStoreUnavailable';
    const failure = cause as { name?: string; code?: string; message?: string; $metadata?: { httpStatusCode?: number } } | undefined;
    // The HTTP status the store answered with; undefined when it did not answer (refused, timed out).
    const status = failure?.$metadata?.httpStatusCode;
    this.reason = [failure?.name ?? 'Error', failure?.code, status && `HTTP ${status}`, failure?.message].filter(Boolean).join(': ');
    this.refused = status === 403 && failure?.name === 'AccessDenied';
  }
}

/** Every operation but presigning (which only signs) throws ObjectStoreUnavailable when the store fails it. */
export interface ObjectStorage {
  /** Where presigned URLs point: the pages' Content-Security-Policy must allow it. */
  origin: string;
  put(key: string, body: Buffer, contentType: string, sha256Hex: string): Promise<void>;
  /**
   * Streams `body` to `key` in parts, holding at most a few parts in memory, and makes the object
   * visible only once `approve` (called after the body's last byte) resolves. If the body fails or
   * `approve` rejects, nothing stays behind under `key` and that error is thrown as it is.
   */
  putStreamed(key: string, body: AsyncIterable<Buffer>, contentType: string, approve: () => Promise<{ sha256Hex: string }>): Promise<void>;
  /** Deletes the object and, in a versioned bucket, every version and delete marker of it. */
  deleteEverywhere(key: string): Promise<void>;
  /** Whether the object is there. */
  exists(key: string): Promise<boolean>;
  presignGet(request: PresignRequest): Promise<string>;
  /**
   * Reads bytes `start` to `end` (inclusive) of the object as a stream, signed at the moment of the
   * request (nothing the client holds can expire); undefined when the object is not there.
   */
  readBytes(key: string, start: number, end: number): Promise<Readable | undefined>;
  /** Resolves when the bucket answers with our credentials; for readiness checks. */
  ping(): Promise<void>;
  /** Stores a file from disk, streamed (a listening copy), with the same checksum and encryption as `put`. */
  putFile(key: string, file: string, contentType: string, sha256Hex: string): Promise<void>;
  close(): void;
}

/**
 * File names are kept to a safe ASCII set, so the header needs no RFC 5987 `filename*` form (whose
 * quote characters some S3-compatible servers canonicalise differently when checking signatures).
 */
function contentDisposition(disposition: PresignRequest['disposition'], fileName: string): string {
  return `${disposition}; filename="${fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`;
}

/**
 * Parts of a streamed upload: S3's smallest part but the last, so at most PART_BYTES × (PARTS_IN_FLIGHT + 1)
 * of one upload is in memory at once, and a 2 GB file is about 400 parts (S3 allows 10,000).
 */
export const PART_BYTES = 5 * 1024 * 1024;
const PARTS_IN_FLIGHT = 2;
export const STREAMED_UPLOAD_BUFFER_BYTES = PART_BYTES * (PARTS_IN_FLIGHT + 1);

/** The store answered that it has no such operation (s3rver has no AbortMultipartUpload). */
const notImplemented = (error: unknown) => [405, 501].includes((error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode ?? 0);

/** A store that does not accept a connection in this time is as good as down. */
const CONNECT_TIMEOUT_MS = 3_000;

/** Any failure to store or delete (refused, timed out, denied, 5xx) is the store's, not the caller's input. */
async function unavailableOnFailure<T>(operation: Promise<T>): Promise<T> {
  try {
    return await operation;
  } catch (error) {
    throw new ObjectStoreUnavailable(error);
  }
}

export function s3Objects(settings: S3Settings): ObjectStorage {
  const client = new S3Client({
    endpoint: settings.endpoint,
    region: settings.region,
    forcePathStyle: settings.forcePathStyle,
    credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
    maxAttempts: 2,
    requestHandler: { connectionTimeout: CONNECT_TIMEOUT_MS, socketTimeout: settings.stalledAfterMs },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  const requests = objectRequests(client, settings.bucket);

  async function exists(key: string): Promise<boolean> {
    const status = await unavailableOnFailure(requests.headStatus(key));
    if (status === 404) return false;
    if (status >= 200 && status < 300) return true;
    throw new ObjectStoreUnavailable(Object.assign(new Error(`HEAD ${key} answered ${status}`), { $metadata: { httpStatusCode: status } }));
  }

  async function deleteEverywhere(key: string): Promise<void> {
    if (!settings.versioned) {
      await client.send(new DeleteObjectCommand({ Bucket: settings.bucket, Key: key }));
      return;
    }
    let keyMarker: string | undefined;
    let versionIdMarker: string | undefined;
    do {
      const page = await client.send(
        new ListObjectVersionsCommand({ Bucket: settings.bucket, Prefix: key, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }),
      );
      for (const version of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) {
        if (version.Key === key) await client.send(new DeleteObjectCommand({ Bucket: settings.bucket, Key: key, VersionId: version.VersionId }));
      }
      ({ NextKeyMarker: keyMarker, NextVersionIdMarker: versionIdMarker } = page.IsTruncated ? page : { NextKeyMarker: undefined, NextVersionIdMarker: undefined });
    } while (keyMarker);
  }

  /** A body's error is the caller's to report; the store's errors are ObjectStoreUnavailable. */
  class BodyFailed {
    constructor(readonly error: unknown) {}
  }

  async function putStreamed(key: string, body: AsyncIterable<Buffer>, contentType: string, approve: () => Promise<{ sha256Hex: string }>) {
    // Part buffers are reused once sent, so a long upload does not leave a trail of garbage for the GC.
    const spare: Buffer[] = [];
    let part: Buffer = Buffer.allocUnsafe(PART_BYTES);
    let filled = 0;
    let uploadId: string | undefined;
    let partsStarted = 0;
    const parts: { PartNumber: number; ETag: string | undefined }[] = [];
    const inFlight = new Set<Promise<void>>();
    let partFailure: unknown;

    const sendPart = async (bytes: Buffer, partNumber: number) => {
      const sent = await client.send(new UploadPartCommand({ Bucket: settings.bucket, Key: key, UploadId: uploadId, PartNumber: partNumber, Body: bytes }));
      parts.push({ PartNumber: partNumber, ETag: sent.ETag });
      if (bytes.length === PART_BYTES) spare.push(bytes);
    };
    const startPart = async (bytes: Buffer) => {
      uploadId ??= (
        await client.send(
          new CreateMultipartUploadCommand({ Bucket: settings.bucket, Key: key, ContentType: contentType, ServerSideEncryption: settings.serverSideEncryption }),
        )
      ).UploadId;
      const sending = sendPart(bytes, ++partsStarted).catch((error: unknown) => {
        partFailure ??= error;
      });
      inFlight.add(sending);
      void sending.finally(() => inFlight.delete(sending));
      while (inFlight.size >= PARTS_IN_FLIGHT) await Promise.race(inFlight);
      if (partFailure) throw partFailure;
    };
    const complete = () =>
      client.send(
        new CompleteMultipartUploadCommand({
          Bucket: settings.bucket,
          Key: key,
          UploadId: uploadId,
          MultipartUpload: { Parts: [...parts].sort((a, b) => a.PartNumber - b.PartNumber) },
        }),
      );
    // Parts uploaded but never completed are invisible, yet kept (and billed) until aborted; the bucket's
    // lifecycle rule (AbortIncompleteMultipartUpload) catches an instance that stopped before this ran.
    const abandon = async () => {
      await Promise.allSettled(inFlight);
      if (!uploadId) return;
      try {
        await client.send(new AbortMultipartUploadCommand({ Bucket: settings.bucket, Key: key, UploadId: uploadId }));
      } catch (error) {
        if (!notImplemented(error) || parts.length === 0) throw error;
        // A store without abort (the embedded s3rver): complete what it holds, then delete it.
        await complete();
        await deleteEverywhere(key);
      }
    };

    try {
      try {
        for await (const chunk of body) {
          for (let offset = 0; offset < chunk.length; ) {
            const taken = chunk.copy(part, filled, offset);
            filled += taken;
            offset += taken;
            if (filled === PART_BYTES) {
              await startPart(part);
              part = spare.pop() ?? Buffer.allocUnsafe(PART_BYTES);
              filled = 0;
            }
          }
        }
      } catch (error) {
        throw new BodyFailed(error);
      }
      let approved: { sha256Hex: string };
      try {
        approved = await approve();
      } catch (error) {
        throw new BodyFailed(error);
      }
      if (!uploadId) {
        // The whole file fitted in one part: one PUT, with its checksum checked by the store.
        await put(key, part.subarray(0, filled), filled, contentType, approved.sha256Hex);
        return;
      }
      if (filled > 0) await startPart(part.subarray(0, filled));
      await Promise.all(inFlight);
      if (partFailure) throw partFailure;
      await complete();
    } catch (failure) {
      await abandon().catch((cleanupError: unknown) => {
        throw new ObjectStoreUnavailable(cleanupError);
      });
      if (failure instanceof BodyFailed) throw failure.error;
      throw new ObjectStoreUnavailable(failure);
    }
  }

  const origin = settings.endpoint
    ? new URL(settings.endpoint).origin
    : settings.forcePathStyle
      ? `https://s3.${settings.region}.amazonaws.com`
      : `https://${settings.bucket}.s3.${settings.region}.amazonaws.com`;

  /** One PUT of a whole body (a buffer, or a file's stream of known length), checked by S3 against its SHA-256. */
  async function put(key: string, body: Buffer | Readable, length: number, contentType: string, sha256Hex: string) {
    const command = new PutObjectCommand({
      Bucket: settings.bucket,
      Key: key,
      Body: body,
      ContentLength: length,
      ContentType: contentType,
      ChecksumSHA256: Buffer.from(sha256Hex, 'hex').toString('base64'),
      Metadata: { sha256: sha256Hex },
      ServerSideEncryption: settings.serverSideEncryption,
    });
    await client.send(command);
  }

  return {
    origin,
    put: (key, body, contentType, sha256Hex) => unavailableOnFailure(put(key, body, body.length, contentType, sha256Hex)),
    putStreamed,
    deleteEverywhere: (key) => unavailableOnFailure(deleteEverywhere(key)),
    exists,
    presignGet(request) {
      const overrides = {
        'response-cache-control': 'private, no-store',
        'response-content-disposition': contentDisposition(request.disposition, request.fileName),
        'response-content-type': request.contentType,
      };
      return requests.presignGet(request.key, overrides, request.ttlSeconds, request.now);
    },
    async readBytes(key, start, end) {
      try {
        const { Body } = await client.send(new GetObjectCommand({ Bucket: settings.bucket, Key: key, Range: `bytes=${start}-${end}` }));
        return Body as Readable;
      } catch (error) {
        if ((error as { name?: string }).name === 'NoSuchKey') return undefined;
        throw new ObjectStoreUnavailable(error);
      }
    },
    async ping() {
      // An authenticated HEAD of a key that need not exist: "not found" proves the bucket answered
      // and accepted our signature. (s3rver miscomputes signatures of bucket-level requests, and
      // with s3:ListBucket granted, S3 answers 404 rather than 403 for a missing key.)
      await exists('readiness-probe');
    },
    close: () => client.destroy(),
    putFile: async (key, file, contentType, sha256Hex) => unavailableOnFailure(put(key, createReadStream(file), (await stat(file)).size, contentType, sha256Hex)),
  };
}
