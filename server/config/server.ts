import { isIP } from 'node:net';
import path from 'node:path';
import { absoluteUrl, booleanText, ConfigError, duration, integer, read, type Env } from './read';

const PROXY_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** An address, a subnet (address/prefix or address/netmask) or one of proxy-addr's names. */
function isProxyAddress(entry: string): boolean {
  if (PROXY_NAMES.has(entry)) return true;
  const [address, range, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  if (range === undefined) return true;
  if (/^\d+$/.test(range)) return Number(range) <= (family === 4 ? 32 : 128);
  return family === 4 && isIP(range) === 4;
}

/** What `true` costs, and what to set instead: said when it is refused (production) and when it is only warned of. */
const TRUST_ANY_PROXY =
  'true trusts any X-Forwarded-For a client sends, so every per-address limit can be dodged; set the number of proxies in front of the portal (e.g. 1) or their addresses (e.g. 10.0.0.0/8)';

/**
 * TRUST_PROXY in the forms Express's `trust proxy` accepts, checked here so a typo is one line, not a
 * stack. `true` is refused in production: behind a known proxy a hop count or its addresses say the
 * same, without letting a client name its own address.
 */
function trustProxyOf(env: Env, production: boolean): boolean | number | string {
  const raw = read(env, 'TRUST_PROXY');
  if (raw === undefined) return false;
  const flag = booleanText(raw);
  if (flag === true && production) throw new ConfigError('TRUST_PROXY', `must not be true in production: ${TRUST_ANY_PROXY}`);
  if (flag !== undefined) return flag;
  if (/^\d+$/.test(raw)) return Number(raw);
  if (raw.split(',').every((entry) => isProxyAddress(entry.trim()))) return raw;
  throw new ConfigError('TRUST_PROXY', `must be true, false, a number of proxy hops, or comma-separated addresses, subnets or loopback/linklocal/uniquelocal, got "${raw}"`);
}

function metricsHost(env: Env): string {
  const host = read(env, 'METRICS_HOST') ?? '127.0.0.1';
  if (isIP(host) === 0) throw new ConfigError('METRICS_HOST', `must be an IP address (127.0.0.1, or 0.0.0.0 for a scraper outside the host), got "${host}"`);
  return host;
}

function baseUrl(env: Env, port: number, production: boolean): URL {
  const url = absoluteUrl('BASE_URL', read(env, 'BASE_URL') ?? `http://localhost:${port}`);
  if (!['http:', 'https:'].includes(url.protocol) || url.pathname !== '/' || url.search || url.hash) {
    throw new ConfigError('BASE_URL', 'must be an http(s) origin with no path, such as https://recordings.example.gov.uk');
  }
  if (production && url.protocol !== 'https:') throw new ConfigError('BASE_URL', 'must use https in production');
  return url;
}

export const isProduction = (env: Env): boolean => (read(env, 'NODE_ENV') ?? 'development') === 'production';

export const dataDirectory = (env: Env): string => path.resolve(read(env, 'DATA_DIR') ?? 'data');

/** Where the portal runs and how it is reached. */
export function serverSettings(env: Env) {
  const production = isProduction(env);
  const port = integer(env, 'PORT', 3000, 0, 65535);
  const trustProxy = trustProxyOf(env, production);
  return {
    production,
    port,
    baseUrl: baseUrl(env, port, production),
    dataDir: dataDirectory(env),
    /** Express `trust proxy`: hops (a number) or addresses, true outside production only; false when clients connect directly. */
    trustProxy,
    /** Settings accepted but worth a word at start-up, one line each (the runtime logs them). */
    warnings: trustProxy === true ? [`TRUST_PROXY: ${TRUST_ANY_PROXY}`] : [],
    /** Prometheus metrics are served on this port only (never on the public one); 0 turns them off. */
    metricsPort: integer(env, 'METRICS_PORT', 9464, 0, 65535),
    /** The interface the metrics server listens on: loopback unless a scraper outside the host needs it. */
    metricsHost: metricsHost(env),
    /** How long SIGTERM waits for requests in flight before closing connections. */
    shutdownTimeoutMs: duration(env, 'SHUTDOWN_TIMEOUT', '25s'),
    /** Printed on every claimant page when set; otherwise pages point to the number on the claimant's letter. */
    supportPhone: read(env, 'SUPPORT_PHONE'),
    /** FFMPEG_PATH: the ffmpeg that makes listening copies; undefined looks for `ffmpeg` on PATH. */
    ffmpegPath: read(env, 'FFMPEG_PATH'),
  };
}
