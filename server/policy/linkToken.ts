import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { KeyRing } from './keyRing';
import { sha256Hex } from '../sha256Hex';

/**
 * Link token: `<keyId>.<base64url(128 random bits ‖ 64-bit HMAC-SHA256 tag)>`, 35 characters with a
 * two-character key id, so the whole text message fits one GSM-7 segment. The random part is what
 * makes a token unguessable; the tag lets the portal refuse forged or mangled tokens before any
 * database read (64 bits is far beyond what online guessing can reach). Only the SHA-256 of the
 * whole token is stored.
 */
const RANDOM_BYTES = 16;
const TAG_BYTES = 8;
/** 24 bytes are exactly 32 base64url characters: no padding, no spare bits, one spelling per token. */
const BODY_LENGTH = ((RANDOM_BYTES + TAG_BYTES) * 4) / 3;
const TOKEN_PATTERN = new RegExp(`^([a-z0-9]{1,8})\\.([A-Za-z0-9_-]{${BODY_LENGTH}})$`);

export const LINK_TOKEN_MAX_LENGTH = 8 + 1 + BODY_LENGTH;

export interface IssuedToken {
  token: string;
  tokenHash: string;
  keyId: string;
}

export type TokenCheck =
  | { ok: true; tokenHash: string; keyId: string }
  | { ok: false; reason: 'malformed' | 'unknown-key' | 'bad-signature' };

function tag(secret: Buffer, keyId: string, random: Buffer): Buffer {
  return createHmac('sha256', secret).update(keyId).update('.').update(random).digest().subarray(0, TAG_BYTES);
}

export function hashLinkToken(token: string): string {
  return sha256Hex(token);
}

export function issueLinkToken(keys: KeyRing, random: Buffer = randomBytes(RANDOM_BYTES)): IssuedToken {
  const { id, secret } = keys.current;
  const token = `${id}.${Buffer.concat([random, tag(secret, id, random)]).toString('base64url')}`;
  return { token, tokenHash: hashLinkToken(token), keyId: id };
}

export function verifyLinkToken(token: unknown, keys: KeyRing): TokenCheck {
  if (typeof token !== 'string' || token.length > LINK_TOKEN_MAX_LENGTH) return { ok: false, reason: 'malformed' };
  const match = TOKEN_PATTERN.exec(token);
  if (!match) return { ok: false, reason: 'malformed' };
  const [, keyId, body] = match;
  const bytes = Buffer.from(body, 'base64url');
  const secret = keys.byId.get(keyId);
  if (!secret) return { ok: false, reason: 'unknown-key' };
  const random = bytes.subarray(0, RANDOM_BYTES);
  const expected = tag(secret, keyId, random);
  if (!timingSafeEqual(expected, bytes.subarray(RANDOM_BYTES))) return { ok: false, reason: 'bad-signature' };
  return { ok: true, tokenHash: hashLinkToken(token), keyId };
}
