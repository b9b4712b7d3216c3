import { createHash } from 'node:crypto';

/** The SHA-256 of `data` as lowercase hex: how the portal names files, tokens and keys it stores only the hash of. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
