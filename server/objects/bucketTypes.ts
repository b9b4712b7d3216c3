/*
 * The bucket's settings and what a presigned URL is asked for: a leaf module, so the adapter's parts
 * (s3Bucket, streamedUpload, incompleteUploads) share them without importing the adapter.
 */

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
  /** How long the HEAD of one object may take before the store counts as unavailable. */
  headTimeoutMs: number;
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
