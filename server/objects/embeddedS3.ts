import { mkdirSync } from 'node:fs';
import path from 'node:path';
import S3rver from '@20minutes/s3rver';

export interface EmbeddedS3 {
  endpoint: string;
  close(): Promise<void>;
}

/**
 * A real S3-compatible server on loopback, keeping its objects under DATA_DIR/s3. It checks SigV4
 * signatures and presigned-URL expiry like S3 does, so the portal talks to it through the same SDK
 * calls it uses against AWS. The bucket is made through `configureBuckets`, because s3rver's
 * CreateBucket handler rejects the request the current SDK sends.
 */
export async function startEmbeddedS3(dataDir: string, bucket: string, port: number): Promise<EmbeddedS3> {
  const directory = path.join(dataDir, 's3');
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({ address: '127.0.0.1', port, directory, silent: true, configureBuckets: [{ name: bucket }] });
  const address = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    close: () => server.close(),
  };
}
