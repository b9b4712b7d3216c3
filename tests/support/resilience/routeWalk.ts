import type { Express, NextFunction, Request, Response } from 'express';

/**
 * The routes an Express 5 app really mounts, read from its router stacks (router 2.x), and a tap
 * on each route that records when a request reached it. Express 5 keeps the path a router or
 * static handler was `use`d at in `layer.rawPath` (router/lib/layer.js), so mounts such as
 * `/staff` and `/api/v1` are recovered from the app itself rather than from a list kept by hand.
 */

interface RouteLike {
  path: string | RegExp | Array<string | RegExp>;
  methods: Record<string, boolean>;
  stack: LayerLike[];
}

interface LayerLike {
  rawPath?: unknown;
  slash?: boolean;
  name?: string;
  method?: string;
  route?: RouteLike;
  handle: ((...args: unknown[]) => unknown) & { stack?: LayerLike[] };
}

export interface MountedRoute {
  /** The full path pattern as mounted, e.g. `/staff/recordings/:id`, or `re:<source>` for a regular expression. */
  pattern: string;
  /** Upper-case methods the route answers (HEAD is implied by GET). */
  methods: string[];
  /** For a pattern given as a regular expression: the expression, relative to `mount`. */
  regexp?: RegExp;
  mount: string;
  route: RouteLike;
}

export interface LeafMount {
  /** Where a handler that is not a router (express.static, a limiter) was mounted at a path other than `/`: it may answer requests itself. */
  mount: string;
  name: string;
}

export interface MountedRoutes {
  routes: MountedRoute[];
  leaves: LeafMount[];
  /** Layers whose mount path could not be read: each one is a mount the walk cannot reach, so a failure. */
  unreadable: string[];
}

const joinPath = (base: string, next: string) => (base.replace(/\/+$/, '') + (next.startsWith('/') ? next : `/${next}`)).replace(/\/+$/, '') || '/';

function mountOf(layer: LayerLike): string | undefined {
  if (layer.slash || layer.rawPath === '/') return '';
  return typeof layer.rawPath === 'string' ? layer.rawPath : undefined;
}

function routeEntry(mount: string, route: RouteLike): MountedRoute | string {
  const methods = Object.keys(route.methods)
    .filter((method) => route.methods[method])
    .map((method) => method.toUpperCase());
  if (typeof route.path === 'string') return { pattern: joinPath(mount, route.path), methods, mount, route };
  if (route.path instanceof RegExp) return { pattern: `re:${mount}${route.path.source}`, methods, regexp: route.path, mount, route };
  return `route with path ${String(route.path)} under "${mount}"`;
}

function walkStack(stack: LayerLike[], mount: string, found: MountedRoutes): void {
  for (const layer of stack) {
    if (layer.route) {
      const entry = routeEntry(mount, layer.route);
      if (typeof entry === 'string') found.unreadable.push(entry);
      else found.routes.push(entry);
      continue;
    }
    const at = mountOf(layer);
    if (Array.isArray(layer.handle.stack)) {
      if (at === undefined) found.unreadable.push(`router "${layer.name}" mounted at ${String(layer.rawPath)} under "${mount}"`);
      else walkStack(layer.handle.stack, joinPath(mount || '/', at || '/').replace(/^\/$/, ''), found);
    } else if (at === undefined) {
      found.unreadable.push(`middleware "${layer.name}" mounted at ${String(layer.rawPath)} under "${mount}"`);
    } else if (at !== '' && layer.handle.length !== 4) {
      found.leaves.push({ mount: joinPath(mount, at), name: layer.name ?? '<anonymous>' });
    }
  }
}

export function mountedRoutes(app: Express): MountedRoutes {
  const router = (app as unknown as { router?: { stack?: LayerLike[] } }).router;
  if (!router?.stack) throw new Error('app.router.stack is missing: not an Express 5 app, so the walk cannot list its routes');
  const found: MountedRoutes = { routes: [], leaves: [], unreadable: [] };
  walkStack(router.stack, '', found);
  return found;
}

/** `METHOD pattern`, the name a route and method go by in the walk's reports. */
export const routeKey = (method: string, pattern: string) => `${method} ${pattern}`;

/**
 * Records `METHOD pattern` whenever a request is dispatched to a route (after every router-level
 * middleware in front of it let it through), by wrapping the first handler of each method.
 */
export function recordDispatches(routes: MountedRoute[], reached: Set<string>): void {
  for (const entry of routes) {
    const wrapped = new Set<string>();
    for (const layer of entry.route.stack) {
      const method = (layer.method ?? '_all').toUpperCase();
      if (wrapped.has(method) || layer.handle.length === 4) continue;
      wrapped.add(method);
      const original = layer.handle;
      const tap = function routeWalkTap(this: unknown, req: Request, res: Response, next: NextFunction) {
        const as = req.method === 'HEAD' && !entry.methods.includes('HEAD') ? 'GET' : req.method;
        reached.add(routeKey(as, entry.pattern));
        return original.call(this, req, res, next);
      };
      layer.handle = tap as unknown as LayerLike['handle'];
    }
  }
}
