import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { AbortMultipartUploadCommand, ListMultipartUploadsCommand } from '@aws-sdk/client-s3';
import { ObjectStoreUnavailable, unavailableOnFailure } from './objectStoreUnavailable';
import type { S3Bucket } from './s3Bucket';

/** A multipart upload begun and never completed nor aborted: its parts are kept (and billed) until aborted. */
export interface IncompleteUpload {
  key: string;
  uploadId: string;
  initiated: Date;
}

/**
 * The bucket's incomplete multipart uploads under a prefix, and their abort. `list` answers
 * undefined when the store has no such operation (it is then its lifecycle rule's to clean up).
 */
export interface IncompleteUploads {
  list(prefix: string): Promise<IncompleteUpload[] | undefined>;
  abort(upload: IncompleteUpload): Promise<void>;
}

const notImplemented = (error: unknown) => [405, 501].includes((error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode ?? 0);

/** At most this many pages of 1,000 a sweep reads under one prefix; the next sweep goes on. */
const MAX_PAGES = 100;

/** Through the S3 API: ListMultipartUploads (paged) and AbortMultipartUpload. */
export function s3IncompleteUploads({ client, settings }: S3Bucket): IncompleteUploads {
  return {
    async list(prefix) {
      const uploads: IncompleteUpload[] = [];
      let keyMarker: string | undefined;
      let uploadIdMarker: string | undefined;
      for (let page = 0; page < MAX_PAGES; page++) {
        let answer;
        try {
          answer = await client.send(new ListMultipartUploadsCommand({ Bucket: settings.bucket, Prefix: prefix, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }));
        } catch (error) {
          if (notImplemented(error)) return undefined;
          throw new ObjectStoreUnavailable(error);
        }
        for (const upload of answer.Uploads ?? []) {
          if (upload.Key && upload.UploadId && upload.Initiated) uploads.push({ key: upload.Key, uploadId: upload.UploadId, initiated: upload.Initiated });
        }
        if (!answer.IsTruncated) break;
        keyMarker = answer.NextKeyMarker;
        uploadIdMarker = answer.NextUploadIdMarker;
      }
      return uploads;
    },
    abort: (upload) =>
      unavailableOnFailure(client.send(new AbortMultipartUploadCommand({ Bucket: settings.bucket, Key: upload.key, UploadId: upload.uploadId })).then(() => undefined)),
  };
}

/** Where the embedded server keeps its buckets, under DATA_DIR. */
export const embeddedS3Directory = (dataDir: string) => path.join(dataDir, 's3');

/**
 * The embedded s3rver has neither ListMultipartUploads nor AbortMultipartUpload (it answers 501 and
 * 405), and no lifecycle rules. It keeps each incomplete upload as a directory of its own under
 * DATA_DIR/s3/<bucket>/._S3rver_uploads/<uploadId>, holding a `key` file written when the upload
 * began (never rewritten: its time is the upload's start) and the parts. Those directories are this
 * process's own files, so the sweep reads and removes them directly; completing an upload removes
 * its directory, so what is there is incomplete.
 */
export function embeddedIncompleteUploads(s3Directory: string, bucket: string): IncompleteUploads {
  const uploadsDirectory = path.join(s3Directory, bucket, '._S3rver_uploads');
  const uploadDirectory = (uploadId: string) => path.join(uploadsDirectory, path.basename(uploadId));
  return {
    async list(prefix) {
      const ids = await readdir(uploadsDirectory).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return [];
        throw error;
      });
      const uploads: IncompleteUpload[] = [];
      for (const uploadId of ids) {
        const keyFile = path.join(uploadDirectory(uploadId), 'key');
        // An upload completed or aborted since readdir has no key file any more: it is not incomplete.
        const [key, facts] = await Promise.all([readFile(keyFile, 'utf8').catch(() => undefined), stat(keyFile).catch(() => undefined)]);
        if (key !== undefined && facts && key.startsWith(prefix)) uploads.push({ key, uploadId, initiated: facts.mtime });
      }
      return uploads;
    },
    abort: (upload) => rm(uploadDirectory(upload.uploadId), { recursive: true, force: true }),
  };
}

