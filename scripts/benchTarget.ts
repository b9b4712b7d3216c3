/**
 * A server for `npm run bench` to load, in a process of its own so the load generator does not share
 * its event loop: `portal` is the real portal in its production configuration on a temporary
 * DATA_DIR (SQLite, embedded S3, outbox); `hello` is bare Express answering "hello", the baseline.
 * It reports its port (and, for the portal, a link, a signed-in session and download grants) over IPC.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { portalServices } from '../server/services';
import { productionEnv } from '../tests/resilience/support/loopback';
import { CLAIMANT, startTestPortal } from '../tests/support/testPortal';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';

type Message = { type: 'grants'; count: number };

async function listen(app: express.Express): Promise<number> {
  const server = http.createServer({ keepAlive: true }, app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

async function main() {
  const mode = process.argv[2];
  if (mode === 'hello') {
    const app = express();
    app.disable('x-powered-by');
    app.get('/hello', (_req, res) => {
      res.send('hello');
    });
    process.send!({ type: 'ready', port: await listen(app) });
    return;
  }
  const portal = await startTestPortal(productionEnv({ RATE_LIMIT_PAGES_PER_MIN: '1000000', RATE_LIMIT_NINO_PER_15_MIN: '100000' }));
  const { path, token } = await portal.recordingWithLink();
  const port = await listen(portal.app);
  const verified = await fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `nino=${encodeURIComponent(CLAIMANT.nino)}` });
  const cookie = verified.headers.getSetCookie()[0].split(';')[0];
  const { gatekeeper } = portalServices(portal.deps);
  const resolved = (await gatekeeper.resolve(token))!;
  const session = (await gatekeeper.sessionFor(resolved, cookie.split('=')[1]))!;
  // The harness's own records of every log line and SQL statement are not the portal's memory.
  setInterval(() => {
    portal.logLines.length = 0;
    portal.queries.length = 0;
  }, 200).unref();
  process.on('message', async (message: Message) => {
    if (message.type === 'grants') {
      const grants = await Promise.all(Array.from({ length: message.count }, () => gatekeeper.issueGrant(session)));
      process.send!({ type: 'grants', grants });
    }
  });
  process.send!({ type: 'ready', port, path, cookie, nino: CLAIMANT.nino });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
