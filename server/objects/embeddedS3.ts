import { chmodSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import S3rver from '@20minutes/s3rver';
import { ConfigError } from '../config';
import { embeddedS3Directory } from './incompleteUploads';

export interface EmbeddedS3 {
  endpoint: string;
  /** Where it really listens (loopback only). */
  address(): AddressInfo;
  close(): Promise<void>;
}

const SIGV4 = 'AWS4-HMAC-SHA256';

/**
 * Whether a request carries a SigV4 signature, in its Authorization header or as a presigned URL.
 * s3rver checks a signature when there is one, but serves a request without any as if the bucket were
 * public; so unsigned requests are refused before they reach it.
 */
export function carriesSignature(req: IncomingMessage): boolean {
  if (req.headers.authorization?.startsWith(`${SIGV4} `)) return true;
  const query = new URL(req.url ?? '/', 'http://embedded-s3').searchParams;
  return query.get('X-Amz-Algorithm') === SIGV4 && query.has('X-Amz-Signature');
}

function refuseUnsigned(res: ServerResponse) {
  res.writeHead(403, { 'Content-Type': 'application/xml', Connection: 'close' });
  res.end('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Requests must be signed (AWS Signature Version 4)</Message></Error>');
}

/**
 * A real S3-compatible server on loopback, keeping its objects under DATA_DIR/s3 (a directory only this
 * user can open). Signed requests go to s3rver, which checks SigV4 signatures and presigned-URL expiry
 * like S3 does, so the portal talks to it through the same SDK calls it uses against AWS. The bucket is
 * made through `configureBuckets`, because s3rver's CreateBucket handler rejects the request the
 * current SDK sends.
 */
export async function startEmbeddedS3(dataDir: string, bucket: string, port: number): Promise<EmbeddedS3> {
  const directory = embeddedS3Directory(dataDir);
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  chmodSync(directory, 0o700);
  const s3rver = new S3rver({ directory, silent: true, configureBuckets: [{ name: bucket }] });
  await s3rver.configureBuckets();
  const handle = s3rver.callback();
  const server = createServer((req, res) => (carriesSignature(req) ? handle(req, res) : refuseUnsigned(res)));
  await new Promise<void>((resolve, reject) =>
    server
      .once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new ConfigError('EMBEDDED_S3_PORT', `port ${port} is already in use; stop what holds it or choose another EMBEDDED_S3_PORT`) : error),
      )
      .listen(port, '127.0.0.1', () => resolve()),
  );
  const address = () => server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${address().port}`,
    address,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
