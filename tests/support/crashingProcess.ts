import { createServer } from 'node:http';
import { installCrashPolicy } from '../../server/crashPolicy';
import { portalLogger } from '../../server/runtime';

/**
 * A process with the portal's crash policy and logger, listening, which then fails outside any
 * request in the way argv[2] names.
 */
const logger = portalLogger('info');
const server = createServer((_req, res) => res.end('ok')).listen(0, '127.0.0.1', () => {
  installCrashPolicy({ logger, servers: [server] });
  setTimeout(() => {
    if (process.argv[2] === 'rejection') void Promise.reject(new Error('a promise nobody awaited'));
    else throw new Error('an error event nobody listened to');
  }, 50);
});
