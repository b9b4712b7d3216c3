import { keyRing } from '../../server/policy/keyRing';
import { hashLinkToken, issueLinkToken, LINK_TOKEN_MAX_LENGTH, verifyLinkToken } from '../../server/policy/linkToken';

const k1 = { id: 'k1', secret: Buffer.alloc(32, 1) };
const k2 = { id: 'k2', secret: Buffer.alloc(32, 2) };
const keys = keyRing([k1]);

describe('link tokens', () => {
  test('a fresh token verifies, names its key, and is stored only as its SHA-256', () => {
    const issued = issueLinkToken(keys);
    expect(issued.token).toMatch(/^k1\.[A-Za-z0-9_-]{32}$/);
    expect(issued.tokenHash).toBe(hashLinkToken(issued.token));
    expect(issued.tokenHash).not.toContain(issued.token.split('.')[1]);
    expect(verifyLinkToken(issued.token, keys)).toEqual({ ok: true, tokenHash: issued.tokenHash, keyId: 'k1' });
  });

  test('carries 128 random bits: no two tokens repeat', () => {
    const tokens = new Set(Array.from({ length: 10_000 }, () => issueLinkToken(keys).token));
    expect(tokens.size).toBe(10_000);
  });

  test('is short enough for one SMS segment with a long host name', () => {
    expect(issueLinkToken(keys).token.length).toBe(35);
    expect(LINK_TOKEN_MAX_LENGTH).toBe(41);
  });

  test('a tampered token is refused', () => {
    const { token } = issueLinkToken(keys);
    const body = token.split('.')[1];
    for (let i = 0; i < body.length; i++) {
      const flipped = body[i] === 'A' ? 'B' : 'A';
      const tampered = `k1.${body.slice(0, i)}${flipped}${body.slice(i + 1)}`;
      expect(verifyLinkToken(tampered, keys).ok).toBe(false);
    }
  });

  test('a token signed with a key the portal does not hold is refused', () => {
    const foreign = issueLinkToken(keyRing([{ id: 'k1', secret: Buffer.alloc(32, 9) }]));
    expect(verifyLinkToken(foreign.token, keys)).toEqual({ ok: false, reason: 'bad-signature' });
  });

  test('a wrong key id is refused', () => {
    const { token } = issueLinkToken(keys);
    expect(verifyLinkToken(token.replace(/^k1\./, 'k7.'), keys)).toEqual({ ok: false, reason: 'unknown-key' });
    expect(verifyLinkToken(token.replace(/^k1\./, 'K1.'), keys)).toEqual({ ok: false, reason: 'malformed' });
  });

  test('a truncated or extended token is refused', () => {
    const { token } = issueLinkToken(keys);
    expect(verifyLinkToken(token.slice(0, -1), keys)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyLinkToken(token.slice(0, 10), keys)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyLinkToken(`${token}A`, keys)).toEqual({ ok: false, reason: 'malformed' });
    expect(verifyLinkToken('k1.', keys)).toEqual({ ok: false, reason: 'malformed' });
  });

  test.each([undefined, null, 42, '', 'x'.repeat(100_000), 'k1.' + '%'.repeat(32), '../../etc/passwd'])('refuses %p as malformed', (input) => {
    expect(verifyLinkToken(input, keys)).toEqual({ ok: false, reason: 'malformed' });
  });

  test('after a key rotation, links signed with the old key still work and new ones use the new key', () => {
    const old = issueLinkToken(keys);
    const rotated = keyRing([k2, k1]);
    expect(verifyLinkToken(old.token, rotated).ok).toBe(true);
    expect(issueLinkToken(rotated).keyId).toBe('k2');
    const retired = keyRing([k2]);
    expect(verifyLinkToken(old.token, retired)).toEqual({ ok: false, reason: 'unknown-key' });
  });
});
