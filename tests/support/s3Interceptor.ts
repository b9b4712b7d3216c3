import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * What the S3 endpoint does with one request: pass it to the real server, refuse it as Object Lock or
 * a bucket policy does (403 AccessDenied), pass it on and never answer (the server stored the
 * object; the answer was lost), or pass it on and hold the server's answer back for a while (a store
 * that says nothing while it works).
 */
export type S3Treatment = 'pass' | 'refuse' | 'store-but-never-answer' | { answerAfterMs: number };

/**
 * An S3 endpoint in front of a real S3-compatible server, for faults that server cannot produce on
 * its own. Requests go through byte for byte (so signatures still verify), unless `treat` says otherwise.
 */
export async function startS3Interceptor(target: string, treat: (method: string, path: string) => S3Treatment) {
  const upstream = new URL(target);
  const held = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const treatment = treat(req.method ?? 'GET', req.url ?? '/');
    if (treatment === 'refuse') {
      res.writeHead(403, { 'content-type': 'application/xml' });
      res.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied because object protected by object lock.</Message></Error>');
      return;
    }
    const forwarded = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      if (treatment === 'store-but-never-answer') {
        answer.resume();
        held.add(res);
        return;
      }
      const passOn = () => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      };
      if (typeof treatment === 'object') setTimeout(passOn, treatment.answerAfterMs);
      else passOn();
    });
    // The real server gone mid-request: the portal sees its connection cut, as it would.
    forwarded.on('error', () => res.destroy());
    req.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async close() {
      held.forEach((res) => res.destroy());
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
