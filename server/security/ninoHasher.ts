import { createHmac } from 'node:crypto';
import argon2 from 'argon2';

/** OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane. */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

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
