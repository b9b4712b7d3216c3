import argon2 from 'argon2';

/** OWASP's argon2id baseline, 19 MiB, 2 passes, 1 lane: the one setting for NINOs and staff passwords alike. */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
