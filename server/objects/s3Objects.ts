import { S3Client } from '@aws-sdk/client-s3';
import type { Readable } from 'node:stream';
import { objectRequests } from './objectRequests';
import { unavailableOnFailure } from './objectStoreUnavailable';
import { bucketOrigin, deleteEverywhere, objectExists, presignGet, putFile, putObject, readBytes, type S3Bucket } from './s3Bucket';
import { putStreamed } from './streamedUpload';
import { s3IncompleteUploads, type IncompleteUploads } from './incompleteUploads';
import type { PresignRequest, S3Settings } from './bucketTypes';

export { ObjectStoreUnavailable } from './objectStoreUnavailable';
export { PART_BYTES, STREAMED_UPLOAD_BUFFER_BYTES } from './streamedUpload';
export type { PresignRequest, S3Settings } from './bucketTypes';

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
  /** How long a read's body may go unread before the bucket connection under it is given up (S3_TIMEOUT). */
  readIdleMs: number;
  /** Resolves when the bucket answers with our credentials; for readiness checks. */
  ping(): Promise<void>;
  /** Stores a file from disk, streamed (a listening copy), with the same checksum and encryption as `put`. */
  putFile(key: string, file: string, contentType: string, sha256Hex: string): Promise<void>;
  /** The bucket's incomplete multipart uploads, for the sweep that aborts abandoned ones. */
  incompleteUploads: IncompleteUploads;
  close(): void;
}

/** A store that does not accept a connection in this time is as good as down. */
const CONNECT_TIMEOUT_MS = 3_000;

/**
 * Connections to the bucket open at once. Every player holds one for as long as its slice takes to
 * reach the phone (4 MiB at 64 kbit/s is nine minutes), so the SDK's default of 50 left the 51st
 * listener of an instance waiting for a connection while its audio ran out; a thousand at once is
 * what one instance is expected to carry (`npm run bench`, the phones figure).
 */
const BUCKET_CONNECTIONS = 4_096;

export function s3Objects(settings: S3Settings): ObjectStorage {
  const clientOf = (socketTimeout: number) =>
    new S3Client({
      endpoint: settings.endpoint,
      region: settings.region,
      forcePathStyle: settings.forcePathStyle,
      credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey },
      maxAttempts: 2,
      requestHandler: {
        connectionTimeout: CONNECT_TIMEOUT_MS,
        socketTimeout,
        httpAgent: { maxSockets: BUCKET_CONNECTIONS },
        httpsAgent: { maxSockets: BUCKET_CONNECTIONS },
      },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  const client = clientOf(settings.stalledAfterMs);
  // Completing a multipart upload is silent while the store joins the parts, for longer the larger the
  // file: its client has no silence limit, and each completion is given a deadline of its own (completionDeadlineMs).
  const completingClient = clientOf(0);
  const bucket: S3Bucket = { client, completingClient, settings, requests: objectRequests(client, settings.bucket, settings.headTimeoutMs) };
  return {
    origin: bucketOrigin(settings),
    put: (key, body, contentType, sha256Hex) => unavailableOnFailure(putObject(bucket, key, body, body.length, contentType, sha256Hex)),
    putStreamed: (key, body, contentType, approve) => putStreamed(bucket, key, body, contentType, approve),
    deleteEverywhere: (key) => unavailableOnFailure(deleteEverywhere(bucket, key)),
    exists: (key) => objectExists(bucket, key),
    presignGet: (request) => presignGet(bucket, request),
    readBytes: (key, start, end) => readBytes(bucket, key, start, end),
    readIdleMs: settings.stalledAfterMs,
    // An authenticated HEAD of a key that need not exist: "not found" proves the bucket answered
    // and accepted our signature. (s3rver miscomputes signatures of bucket-level requests, and
    // with s3:ListBucket granted, S3 answers 404 rather than 403 for a missing key.)
    ping: async () => {
      await objectExists(bucket, 'readiness-probe');
    },
    close: () => {
      client.destroy();
      completingClient.destroy();
    },
    putFile: (key, file, contentType, sha256Hex) => putFile(bucket, key, file, contentType, sha256Hex),
    incompleteUploads: s3IncompleteUploads(bucket),
  };
}
