import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';

/** Short enough that no part of a link token worth having (key id, dot, 32 characters) fits. */
const PLAIN_SEGMENT = /^[a-z0-9][a-z0-9-]{0,19}$/i;

/**
 * What the log says of a request no route answered (a static file, an unknown address): its first
 * path segment when that is a plain word, and `*` for the rest. Never the address itself: a link token
 * can arrive in forms no prefix test foresees (`GET http://host/r/<token>`, `//r/<token>`, `/r/<token>/x`).
 */
export function unroutedPath(url: string | undefined): string {
  // An absolute-form target (`GET http://host/path HTTP/1.1`) is routed by its path, so it is logged by it too.
  const path = (url ?? '/').replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, '').split(/[?#]/)[0];
  if (path === '/' || path === '') return '/';
  const [first, ...rest] = path.slice(1).split('/');
  if (!PLAIN_SEGMENT.test(first)) return '/*';
  return rest.length > 0 ? `/${first}/*` : `/${first}`;
}

/**
 * `req.baseUrl` is the address as it matched the router's mount (`/STAFF` for `/staff`): the portal's
 * mounts are plain lower-case words, so that is their pattern; anything else is not logged.
 */
function mountPattern(baseUrl: string): string {
  return baseUrl
    .split('/')
    .map((segment, index) => (index === 0 || PLAIN_SEGMENT.test(segment) ? segment.toLowerCase() : '*'))
    .join('/');
}

/**
 * Remembers the pattern of the route that answers (`/r/:token`, `/staff/recordings/:id`): Express
 * assigns `req.route` when it matches one, while `req.baseUrl` is still that router's mount (by the
 * time the response ends it may have been reset).
 */
function watchRoute(req: Request): () => string | undefined {
  let route: unknown;
  let pattern: string | undefined;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set(value: { path?: unknown } | undefined) {
      route = value;
      if (typeof value?.path === 'string') pattern = `${mountPattern(req.baseUrl)}${value.path}`;
    },
  });
  return () => pattern;
}

/**
 * One line per request, written when the response ends: its id (also sent as X-Request-Id), method,
 * route shape, status and time taken, in pino-http's shape; a response the client did not wait for
 * is logged as aborted: at warning level when it went before any answer (it waited too long, or its
 * request never arrived whole), at info once a 2xx answer was under way (a player does that at every
 * seek: 2,400 times in 3 minutes with 1,000 phones listening). The path logged is the pattern of the
 * route that answered, never the address asked for (see unroutedPath), and never the query string.
 *
 * Not pino-http itself: for every request it builds a child logger bound to the serialised,
 * redacted request (for a `req.log` the portal never uses), which was a twelfth of the landing
 * page's CPU and a fifth of what it allocated.
 */
export function requestLogging(logger: Logger): RequestHandler {
  return (req, res, next) => {
    const started = Date.now();
    const id = randomUUID();
    res.setHeader('X-Request-Id', id);
    const routePattern = watchRoute(req);
    // 'finish': the whole response went out. 'close' first: the connection ended before it did.
    const logLine = (finished: boolean) => {
      res.off('finish', onFinish);
      res.off('close', onClose);
      // A response cut off before its status line went out has no status worth logging.
      const statusCode = res.headersSent ? res.statusCode : null;
      const path = routePattern() ?? unroutedPath(req.originalUrl ?? req.url);
      const line = { req: { id, method: req.method, path }, res: { statusCode }, responseTime: Date.now() - started };
      if (!finished) logger[statusCode !== null && statusCode < 300 ? 'info' : 'warn'](line, 'request aborted');
      else if (res.statusCode >= 500) logger.error(line, 'request errored');
      else logger.info(line, 'request completed');
    };
    const onFinish = () => logLine(true);
    const onClose = () => logLine(false);
    res.on('finish', onFinish);
    res.on('close', onClose);
    next();
  };
}
