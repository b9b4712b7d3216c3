import type { Readable } from 'node:stream';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { formatUrl } from '@aws-sdk/core/util';
import { S3RequestPresigner } from '@aws-sdk/s3-request-presigner';
import { getEndpointFromInstructions } from '@smithy/core/endpoints';
import { HttpRequest } from '@smithy/core/protocols';

/** Query parameters of a presigned GET that S3 echoes back as response headers. */
export type ResponseOverrides = Record<`response-${string}`, string>;

/** S3's encoding of an object key in a path (RFC 3986 unreserved characters kept, `/` kept). */
const encodeKey = (key: string) =>
  key
    .split('/')
    .map((segment) => encodeURIComponent(segment).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`))
    .join('/');

const isStaleConnection = (error: unknown) => ['ECONNRESET', 'EPIPE'].includes((error as { code?: string }).code ?? '');

/**
 * The requests a claimant's listening and download make of one bucket (a presigned GET for the
 * browser, a HEAD, ranged GETs of the bytes the portal passes on), signed by the SDK's own presigner
 * against the endpoint the SDK resolves for the bucket, and sent by the client's own HTTP handler.
 *
 * Why not `client.send` and `getSignedUrl`: each call serialises the command through the client's
 * whole middleware stack, and `getSignedUrl` also clones that stack and builds a new signer (so its
 * signing key is derived afresh) every time. Under load that was a third of the portal's CPU for
 * each download, and about 1.2 ms of every 4 MiB slice a player hears (deserialising a GetObject
 * parses its dates and headers). Here the endpoint is resolved and the presigner built once per
 * bucket; what varies per request is only the key, the query and the signature. The result is the
 * same URL: a test compares it with `getSignedUrl`'s, signature included.
 */
export function objectRequests(client: S3Client, bucket: string, headTimeoutMs: number) {
  const presign = bucketPresigner(client, bucket);
  return {
    /** A URL that GETs the object until it expires, with S3 answering the given response headers. */
    async presignGet(key: string, overrides: ResponseOverrides, expiresIn: number, signingDate: Date): Promise<string> {
      // The two extra parameters are the ones the SDK's presigned GetObject carries.
      const query = { ...overrides, 'x-amz-checksum-mode': 'ENABLED', 'x-id': 'GetObject' };
      return formatUrl(await presign('GET', key, query, expiresIn, signingDate));
    },

    /** The HTTP status S3 answers to a HEAD of the object; throws when it cannot be reached in time. */
    async headStatus(key: string): Promise<number> {
      // Signed by the real clock, not the portal's injectable one: S3 checks it against its own.
      const request = await presign('HEAD', key, {}, 60, new Date());
      const { statusCode, body } = await send(client, request, AbortSignal.timeout(headTimeoutMs));
      body.resume();
      return statusCode;
    },

    /**
     * GETs bytes `start` to `end` (inclusive): S3's status and the body as it arrives. No deadline but
     * the client's socket timeout (S3_TIMEOUT of silence), since a slow listener takes minutes to read one.
     */
    async getRange(key: string, start: number, end: number): Promise<{ statusCode: number; body: Readable }> {
      const request = await presign('GET', key, {}, 60, new Date());
      // Range is left out of the signature; S3 honours it on a presigned GET as on any other.
      request.headers.range = `bytes=${start}-${end}`;
      return send(client, request);
    },
  };
}

/** Signs a request of one key of the bucket: the endpoint and the presigner are made at the first, once. */
function bucketPresigner(client: S3Client, bucket: string) {
  let bucketSigning: Promise<{ endpoint: URL; presigner: S3RequestPresigner }> | undefined;

  async function resolveBucketSigning() {
    const resolved = await getEndpointFromInstructions({ Bucket: bucket, Key: 'key' }, GetObjectCommand, client.config);
    const authScheme = resolved.properties?.authSchemes?.[0] as { signingRegion?: string; signingName?: string } | undefined;
    const region = authScheme?.signingRegion ?? (await client.config.region());
    const presigner = new S3RequestPresigner({ ...client.config, signingName: authScheme?.signingName, region: async () => region });
    return { endpoint: resolved.url, presigner };
  }

  return async function presign(method: 'GET' | 'HEAD', key: string, query: Record<string, string>, expiresIn: number, signingDate: Date): Promise<HttpRequest> {
    bucketSigning ??= resolveBucketSigning().catch((error) => {
      bucketSigning = undefined;
      throw error;
    });
    const { endpoint, presigner } = await bucketSigning;
    const request = new HttpRequest({
      method,
      protocol: endpoint.protocol,
      hostname: endpoint.hostname,
      port: endpoint.port ? Number(endpoint.port) : undefined,
      path: `${endpoint.pathname.replace(/\/$/, '')}/${encodeKey(key)}`,
      query,
      headers: {},
    });
    return (await presigner.presign(request, { expiresIn, signingDate })) as HttpRequest;
  };
}

/** Sends a signed request with the client's own HTTP handler: S3's status and the body as it arrives. */
async function send(client: S3Client, request: HttpRequest, abortSignal?: AbortSignal): Promise<{ statusCode: number; body: Readable }> {
  for (let attempt = 1; ; attempt++) {
    try {
      const { response } = await client.config.requestHandler.handle(request, { abortSignal });
      return { statusCode: response.statusCode, body: response.body as Readable };
    } catch (error) {
      // A kept-alive connection the server closed while it sat idle is worth one more try; a
      // refusal or a timeout is not (the claimant would only wait longer for the same page).
      if (attempt === 2 || !isStaleConnection(error)) throw error;
    }
  }
}
