// The slice of @20minutes/s3rver's API the embedded object store uses (the package ships no types).
declare module '@20minutes/s3rver' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  import type { AddressInfo } from 'node:net';

  interface S3rverOptions {
    address?: string;
    port?: number;
    directory?: string;
    silent?: boolean;
    configureBuckets?: Array<{ name: string; configs?: Array<string | Buffer> }>;
  }

  export default class S3rver {
    constructor(options: S3rverOptions);
    run(): Promise<AddressInfo>;
    /** Makes the buckets named in `configureBuckets` (as `run` does first). */
    configureBuckets(): Promise<unknown>;
    /** Its request handler (it is a Koa application), to serve from a server of one's own. */
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    close(): Promise<void>;
  }
}
