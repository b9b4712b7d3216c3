import { timed, type PortalMetrics } from '../observability/metrics';
import type { NinoHasher } from './ninoHasher';

/** NINO hashing with its time measured: argon2 is the portal's main cost per request. */
export function measuredHasher(hasher: NinoHasher, metrics: PortalMetrics): NinoHasher {
  return {
    hash: (nino) => timed(metrics.argon2Seconds, 'hash', () => hasher.hash(nino)),
    verify: (storedHash, nino) => timed(metrics.argon2Seconds, 'verify', () => hasher.verify(storedHash, nino)),
    blindIndex: hasher.blindIndex,
  };
}
