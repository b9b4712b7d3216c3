import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, ListObjectVersionsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { closeStream } from '../closeStream';
import type { objectRequests } from './objectRequests';
import { ObjectStoreUnavailable, unavailableOnFailure } from './objectStoreUnavailable';
import type { PresignRequest, S3Settings } from './bucketTypes';

/** The bucket the portal keeps its audio in, and the client and settings it is reached with. */
export interface S3Bucket {
  client: S3Client;
  /** The same bucket without the client's silence limit (S3_TIMEOUT): for requests given a deadline of their own. */
  completingClient: S3Client;
  settings: S3Settings;
  requests: ReturnType<typeof objectRequests>;
}

/** One PUT of a whole body (a buffer, or a file's stream of known length), checked by S3 against its SHA-256. */
export async function putObject(bucket: S3Bucket, key: string, body: Buffer | Readable, length: number, contentType: string, sha256Hex: string) {
  const command = new PutObjectCommand({
    Bucket: bucket.settings.bucket,
    Key: key,
    Body: body,
    ContentLength: length,
    ContentType: contentType,
    ChecksumSHA256: Buffer.from(sha256Hex, 'hex').toString('base64'),
    Metadata: { sha256: sha256Hex },
    ServerSideEncryption: bucket.settings.serverSideEncryption,
  });
  await bucket.client.send(command);
}

export async function putFile(bucket: S3Bucket, key: string, file: string, contentType: string, sha256Hex: string) {
  const { size } = await stat(file);
  const body = createReadStream(file);
  try {
    return await unavailableOnFailure(putObject(bucket, key, body, size, contentType, sha256Hex));
  } finally {
    // The SDK does not close a body it gave up on.
    await closeStream(body);
  }
}

/** Deletes the object and, in a versioned bucket, every version and delete marker of it; the store's errors are thrown as they are. */
export async function deleteEverywhere({ client, settings }: S3Bucket, key: string): Promise<void> {
  if (!settings.versioned) {
    await client.send(new DeleteObjectCommand({ Bucket: settings.bucket, Key: key }));
    return;
  }
  let keyMarker: string | undefined;
  let versionIdMarker: string | undefined;
  do {
    const page = await client.send(new ListObjectVersionsCommand({ Bucket: settings.bucket, Prefix: key, KeyMarker: keyMarker, VersionIdMarker: versionIdMarker }));
    for (const version of [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]) {
      if (version.Key === key) await client.send(new DeleteObjectCommand({ Bucket: settings.bucket, Key: key, VersionId: version.VersionId }));
    }
    ({ NextKeyMarker: keyMarker, NextVersionIdMarker: versionIdMarker } = page.IsTruncated ? page : { NextKeyMarker: undefined, NextVersionIdMarker: undefined });
  } while (keyMarker);
}

export async function objectExists(bucket: S3Bucket, key: string): Promise<boolean> {
  const status = await unavailableOnFailure(bucket.requests.headStatus(key));
  if (status === 404) return false;
  if (status >= 200 && status < 300) return true;
  throw new ObjectStoreUnavailable(Object.assign(new Error(`HEAD ${key} answered ${status}`), { $metadata: { httpStatusCode: status } }));
}

export async function readBytes(bucket: S3Bucket, key: string, start: number, end: number): Promise<Readable | undefined> {
  const { statusCode, body } = await unavailableOnFailure(bucket.requests.getRange(key, start, end));
  if (statusCode === 200 || statusCode === 206) return body;
  body.resume();
  if (statusCode === 404) return undefined;
  throw new ObjectStoreUnavailable(Object.assign(new Error(`GET ${key} answered ${statusCode}`), { $metadata: { httpStatusCode: statusCode } }));
}

/**
 * File names are kept to a safe ASCII set, so the header needs no RFC 5987 `filename*` form (whose
 * quote characters some S3-compatible servers canonicalise differently when checking signatures).
 */
function contentDisposition(disposition: PresignRequest['disposition'], fileName: string): string {
  return `${disposition}; filename="${fileName.replace(/[^A-Za-z0-9._-]/g, '_')}"`;
}

export function presignGet(bucket: S3Bucket, request: PresignRequest): Promise<string> {
  const overrides = {
    'response-cache-control': 'private, no-store',
    'response-content-disposition': contentDisposition(request.disposition, request.fileName),
    'response-content-type': request.contentType,
  };
  return bucket.requests.presignGet(request.key, overrides, request.ttlSeconds, request.now);
}

/** Where presigned URLs point. */
export const bucketOrigin = (settings: S3Settings): string =>
  settings.endpoint
    ? new URL(settings.endpoint).origin
    : settings.forcePathStyle
      ? `https://s3.${settings.region}.amazonaws.com`
      : `https://${settings.bucket}.s3.${settings.region}.amazonaws.com`;
