import { keyRing } from '../../server/policy/keyRing';
import { claimantTokens } from '../../server/security/claimantTokens';
import { fieldCipher } from '../../server/security/fieldCipher';
import { ninoHasher } from '../../server/security/ninoHasher';
import { MINUTE } from '../support/testClock';

describe('fieldCipher', () => {
  const old = { id: 'f1', secret: Buffer.alloc(32, 1) };
  const current = { id: 'f2', secret: Buffer.alloc(32, 2) };

  test('round-trips, and never shows the plaintext or repeats a ciphertext', () => {
    const cipher = fieldCipher(keyRing([current]));
    const a = cipher.encrypt('recordings.phone', '+447700900123');
    const b = cipher.encrypt('recordings.phone', '+447700900123');
    expect(a).not.toContain('7700900123');
    expect(a).not.toBe(b);
    expect(a.startsWith('v1.f2.')).toBe(true);
    expect(cipher.decrypt('recordings.phone', a)).toBe('+447700900123');
  });

  test('reads values sealed with an older key after rotation', () => {
    const sealed = fieldCipher(keyRing([old])).encrypt('recordings.phone', '+447700900123');
    expect(fieldCipher(keyRing([current, old])).decrypt('recordings.phone', sealed)).toBe('+447700900123');
  });

  test('refuses a tampered value, a value moved to another field, and an unknown key', () => {
    const cipher = fieldCipher(keyRing([current]));
    const sealed = cipher.encrypt('recordings.phone', '+447700900123');
    const parts = sealed.split('.');
    const ciphertext = Buffer.from(parts[3], 'base64url');
    ciphertext[0] ^= 1;
    parts[3] = ciphertext.toString('base64url');
    expect(() => cipher.decrypt('recordings.phone', parts.join('.'))).toThrow();
    expect(() => cipher.decrypt('recordings.address', sealed)).toThrow();
    expect(() => fieldCipher(keyRing([old])).decrypt('recordings.phone', sealed)).toThrow(/unknown format or key/);
  });
});

describe('ninoHasher', () => {
  const hasher = ninoHasher(Buffer.alloc(32, 3), Buffer.alloc(32, 4));

  test('stores an argon2id hash that verifies only the same NINO, and only with the same pepper', async () => {
    const hash = await hasher.hash('AB123456C');
    expect(hash.startsWith('$argon2id$')).toBe(true);
    expect(hash).not.toContain('AB123456C');
    expect(await hasher.verify(hash, 'AB123456C')).toBe(true);
    expect(await hasher.verify(hash, 'AB123456D')).toBe(false);
    expect(await ninoHasher(Buffer.alloc(32, 9), Buffer.alloc(32, 4)).verify(hash, 'AB123456C')).toBe(false);
    expect(await hasher.verify('not a hash', 'AB123456C')).toBe(false);
  });

  test('gives a stable blind index that depends on its key', () => {
    expect(hasher.blindIndex('AB123456C')).toBe(hasher.blindIndex('AB123456C'));
    expect(hasher.blindIndex('AB123456C')).not.toBe(hasher.blindIndex('AB123456D'));
    expect(ninoHasher(Buffer.alloc(32, 3), Buffer.alloc(32, 5)).blindIndex('AB123456C')).not.toBe(hasher.blindIndex('AB123456C'));
  });
});

describe('claimantTokens', () => {
  const tokens = claimantTokens(Buffer.alloc(32, 5), 20 * MINUTE);
  const now = new Date('2026-11-23T10:00:00Z');

  test('a session reads back until it expires', async () => {
    const { jwt, session } = await tokens.issueSession('link-1', 0, now);
    expect(await tokens.readSession(jwt, new Date(now.getTime() + 20 * MINUTE - 1000))).toEqual(session);
    expect(await tokens.readSession(jwt, new Date(now.getTime() + 20 * MINUTE))).toBeUndefined();
  });

  test('a download grant lasts exactly as long as its session', async () => {
    const { session } = await tokens.issueSession('link-1', 0, now);
    const grant = await tokens.issueGrant(session, new Date(now.getTime() + 15 * MINUTE));
    expect(await tokens.readGrant(grant, new Date(now.getTime() + 20 * MINUTE - 1000))).toMatchObject({ linkId: 'link-1' });
    expect(await tokens.readGrant(grant, new Date(now.getTime() + 20 * MINUTE))).toBeUndefined();
  });

  test('a grant cannot pass as a session, nor a session as a grant', async () => {
    const { jwt, session } = await tokens.issueSession('link-1', 0, now);
    const grant = await tokens.issueGrant(session, now);
    expect(await tokens.readSession(grant, now)).toBeUndefined();
    expect(await tokens.readGrant(jwt, now)).toBeUndefined();
    expect(await tokens.readGrant(grant, now)).toMatchObject({ linkId: 'link-1', sessionId: session.sessionId });
  });

  test('a token signed with another key, or with alg none, is refused', async () => {
    const other = claimantTokens(Buffer.alloc(32, 6), 20 * MINUTE);
    const { jwt } = await other.issueSession('link-1', 0, now);
    expect(await tokens.readSession(jwt, now)).toBeUndefined();
    const [, payload] = jwt.split('.');
    const unsigned = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${payload}.`;
    expect(await tokens.readSession(unsigned, now)).toBeUndefined();
  });
});
