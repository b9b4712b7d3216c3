import { createHmac } from 'node:crypto';
import argon2 from 'argon2';
import { ARGON2_OPTIONS } from './argon2Settings';

export interface NinoHasher {
  /** argon2id with the server-side pepper; what a link's NINO check compares against. */
  hash(nino: string): Promise<string>;
  verify(storedHash: string, nino: string): Promise<boolean>;
  /** Keyed blind index so staff can find a recording by NINO without the NINO being stored. */
  blindIndex(nino: string): string;
}

export function ninoHasher(pepper: Buffer, indexKey: Buffer): NinoHasher {
  return {
    hash: (nino) => argon2.hash(nino, { ...ARGON2_OPTIONS, secret: pepper }),
    verify: async (storedHash, nino) => {
      try {
        return await argon2.verify(storedHash, nino, { secret: pepper });
      } catch {
        return false;
      }
    },
    blindIndex: (nino) => createHmac('sha256', indexKey).update(nino).digest('hex'),
  };
}
