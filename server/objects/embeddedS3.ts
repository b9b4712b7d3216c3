import { chmodSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import S3rver from '@20minutes/s3rver';
import { ConfigError } from '../config';
import { embeddedS3Directory } from './incompleteUploads';
import { generateEmbeddedS3Credentials, PUBLIC_DEFAULT_KEY, type EmbeddedS3Credentials } from '../config/s3';

// s3rver keeps its accounts in one process-wide registry; its DUMMY account holds the published default key.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const AWSAccount: { DUMMY_ACCOUNT: S3rverAccount } = require('@20minutes/s3rver/lib/models/account');

interface S3rverAccount {
  createKeyPair(accessKeyId: string, secretAccessKey: string): void;
  revokeAccessKey(accessKeyId: string): void;
}

export interface EmbeddedS3 {
  endpoint: string;
  /** The one key pair it accepts. */
  credentials: EmbeddedS3Credentials;
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

/** The access key id a SigV4 request names (Credential=KEY/date/region/s3/aws4_request). */
export function signingKeyId(req: IncomingMessage): string | undefined {
  const header = /Credential=([^/,\s]+)\//.exec(req.headers.authorization ?? '')?.[1];
  if (header !== undefined) return header;
  const credential = new URL(req.url ?? '/', 'http://embedded-s3').searchParams.get('X-Amz-Credential');
  return credential?.split('/')[0];
}

function refuse(res: ServerResponse, code: string, message: string) {
  res.writeHead(403, { 'Content-Type': 'application/xml', Connection: 'close' });
  res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`);
}

/**
 * Only requests signed with this server's own key reach s3rver. Its registry is shared by every s3rver in
 * the process and starts with the published default key, so the gate is here, per server; the default
 * key is also revoked, so nothing in this process accepts it.
 */
function gate(credentials: EmbeddedS3Credentials, handle: (req: IncomingMessage, res: ServerResponse) => void) {
  return (req: IncomingMessage, res: ServerResponse) => {
    if (!carriesSignature(req)) return refuse(res, 'AccessDenied', 'Requests must be signed (AWS Signature Version 4)');
    if (signingKeyId(req) !== credentials.accessKeyId) return refuse(res, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
    handle(req, res);
  };
}

/**
 * A real S3-compatible server on loopback, keeping its objects under DATA_DIR/s3 (a directory only this
 * user can open). Signed requests go to s3rver, which checks SigV4 signatures and presigned-URL expiry
 * like S3 does, so the portal talks to it through the same SDK calls it uses against AWS. It accepts one
 * key pair (given, or generated) and nothing unsigned. The bucket is made through `configureBuckets`,
 * because s3rver's CreateBucket handler rejects the request the current SDK sends.
 */
export async function startEmbeddedS3(dataDir: string, bucket: string, port: number, keys: EmbeddedS3Credentials = generateEmbeddedS3Credentials()): Promise<EmbeddedS3> {
  const credentials = { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey };
  if (credentials.accessKeyId === PUBLIC_DEFAULT_KEY) throw new ConfigError('S3_ACCESS_KEY_ID', "is s3rver's published default; the embedded server needs a key of its own");
  const directory = embeddedS3Directory(dataDir);
  mkdirSync(directory, { recursive: true, mode: 0o700 });
  chmodSync(directory, 0o700);
  const s3rver = new S3rver({ directory, silent: true, configureBuckets: [{ name: bucket }] });
  await s3rver.configureBuckets();
  AWSAccount.DUMMY_ACCOUNT.revokeAccessKey(PUBLIC_DEFAULT_KEY);
  AWSAccount.DUMMY_ACCOUNT.createKeyPair(credentials.accessKeyId, credentials.secretAccessKey);
  const server = createServer(gate(credentials, s3rver.callback()));
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
    credentials,
    address,
    close: () => new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve()))),
  };
}
