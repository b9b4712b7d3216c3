import argon2 from 'argon2';
import { ARGON2_OPTIONS } from './argon2Settings';

/** A staff password's argon2id hash (its own salt inside). */
export const hashPassword = (password: string) => argon2.hash(password, ARGON2_OPTIONS);

/** A hash that cannot be read matches no password. */
export const passwordMatches = (hash: string, password: string) => argon2.verify(hash, password).catch(() => false);
