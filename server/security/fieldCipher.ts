import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { KeyRing } from '../policy/keyRing';

/**
 * AES-256-GCM for personal fields at rest, as `v1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url parts).
 * The key id lets old values be read after a rotation; the field name is bound in as associated data
 * so a value cannot be moved from one column to another unnoticed.
 */
export interface FieldCipher {
  encrypt(field: string, plaintext: string): string;
  decrypt(field: string, sealed: string): string;
}

export function fieldCipher(keys: KeyRing): FieldCipher {
  return {
    encrypt(field, plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', keys.current.secret, iv);
      cipher.setAAD(Buffer.from(field));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', keys.current.id, iv, ciphertext, cipher.getAuthTag()]
        .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
        .join('.');
    },
    decrypt(field, sealed) {
      const [version, keyId, iv, ciphertext, tag] = sealed.split('.');
      const key = keys.byId.get(keyId);
      if (version !== 'v1' || !key || tag === undefined) throw new Error(`cannot decrypt ${field}: unknown format or key`);
      const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(field));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
