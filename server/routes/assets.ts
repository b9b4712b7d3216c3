import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Router } from 'express';
import { KeptBody, sendKept } from '../middleware/compression';
import { sha256Hex } from '../sha256Hex';

/**
 * The stylesheets, scripts, fonts and images the pages load, served under a path that contains a hash
 * of their content (`/immutable/<hash>/govuk/govuk-frontend.min.css`). A browser keeps them for a year
 * without asking again, and a new release changes the address of whatever changed.
 */
export const HASHED_ASSETS_PREFIX = '/immutable';
const CACHE_FOREVER = 'public, max-age=31536000, immutable';

const CONTENT_TYPES: Record<string, string> = {
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};
/** Fonts and PNGs are compressed already; these are not. */
const COMPRESSIBLE = new Set(['.css', '.js', '.mjs', '.json', '.svg', '.ico']);
/** Text that may name other assets by their plain path (CSS `url(/assets/…)`, a script's `import`). */
const MAY_REFER_TO_ASSETS = new Set(['.css', '.js', '.mjs']);
/** Greedy, so a path is only ever replaced whole: `/a.woff` never matches inside `/a.woff2`. */
const ABSOLUTE_PATH = /\/[\w.\/-]+/g;

interface Asset {
  hash: string;
  url: string;
  contentType: string;
  /** Compressed once per process, on first request: brotli at its best takes a moment for the GOV.UK stylesheet. */
  body: KeptBody;
}

function filesUnder(dir: string, publicPrefix: string): [string, string][] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && CONTENT_TYPES[path.extname(entry.name)] !== undefined)
    .map((entry) => {
      const file = path.join(entry.parentPath, entry.name);
      return [`${publicPrefix}/${path.relative(dir, file).split(path.sep).join('/')}`, file];
    });
}

/** Every file the layout may reference through `asset()`, by the plain path it has always had. */
export function portalAssetFiles(staticDir: string, govukFrontendDist: string): Map<string, string> {
  return new Map([
    ['/govuk/govuk-frontend.min.css', path.join(govukFrontendDist, 'govuk-frontend.min.css')],
    ['/govuk/govuk-frontend.min.js', path.join(govukFrontendDist, 'govuk-frontend.min.js')],
    ...filesUnder(path.join(govukFrontendDist, 'assets'), '/assets'),
    ...filesUnder(staticDir, '/static'),
  ]);
}

/**
 * Reads and hashes the files at start-up. An asset that names others (the GOV.UK stylesheet names its
 * fonts) is rewritten to their hashed addresses first, so its own hash changes when theirs do.
 */
export function hashedAssets(files: ReadonlyMap<string, string>) {
  const assets = new Map<string, Asset>();
  const pending = new Map(files);
  while (pending.size > 0) {
    const before = pending.size;
    for (const [plainPath, file] of pending) {
      const extension = path.extname(file);
      let body = readFileSync(file);
      if (MAY_REFER_TO_ASSETS.has(extension)) {
        const text = body.toString('utf8');
        const refersTo = (text.match(ABSOLUTE_PATH) ?? []).filter((candidate) => candidate !== plainPath && files.has(candidate));
        if (refersTo.some((other) => !assets.has(other))) continue;
        body = Buffer.from(text.replace(ABSOLUTE_PATH, (candidate) => assets.get(candidate)?.url ?? candidate));
      }
      const hash = sha256Hex(body).slice(0, 16);
      assets.set(plainPath, {
        hash,
        url: `${HASHED_ASSETS_PREFIX}/${hash}${plainPath}`,
        contentType: CONTENT_TYPES[extension],
        body: new KeptBody(body, COMPRESSIBLE.has(extension)),
      });
      pending.delete(plainPath);
    }
    if (pending.size === before) throw new Error(`assets refer to each other in a circle: ${[...pending.keys()].join(', ')}`);
  }

  /** The hashed address of an asset; a template naming an asset that does not exist is a bug, so it fails loudly. */
  function url(plainPath: string): string {
    const asset = assets.get(plainPath);
    if (!asset) throw new Error(`no such asset: ${plainPath}`);
    return asset.url;
  }

  const router = Router();
  router.get(new RegExp(`^${HASHED_ASSETS_PREFIX}/([0-9a-f]{16})(/.+)$`), (req, res, next) => {
    const [hash, plainPath] = [req.params[0], req.params[1]] as [string, string];
    const asset = assets.get(plainPath);
    if (!asset) return next();
    // A page from the previous release may ask for an old hash: give it today's file, but do not let it be kept.
    res.set('Cache-Control', hash === asset.hash ? CACHE_FOREVER : 'no-cache');
    res.set('Content-Type', asset.contentType);
    sendKept(res, asset.body);
  });

  return { url, router };
}
