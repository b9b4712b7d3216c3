import argon2 from 'argon2';
import type { PortalDeps } from '../deps';
import type { FieldCipher } from '../security/fieldCipher';
import type { StaffAccountRow, StaffStore } from '../store/staffStore';
import type { StaffRole } from './staffPolicy';

/** What the staff account services are built from. */
export type AccountDeps = Pick<PortalDeps, 'clock' | 'audit'> & { staffStore: StaffStore; cipher: FieldCipher };

export const TOTP_FIELD = 'staff_accounts.totp_secret';
export const MIN_PASSWORD_LENGTH = 12;
/**
 * Marks a hash of the password `staff add` printed: whoever ran the command has seen it, so it opens
 * only the page where the staff member chooses their own.
 */
export const ONE_TIME_MARK = 'one-time:';

/** OWASP's argon2id baseline, as for NINOs. */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const hashPassword = (password: string) => argon2.hash(password, ARGON2_OPTIONS);

/** A hash that cannot be read matches no password. */
export const passwordMatches = (hash: string, password: string) => argon2.verify(hash, password).catch(() => false);

export interface StaffMember {
  id: string;
  email: string;
  role: StaffRole;
  /** Signed in with the one-time password from `staff add`: must choose their own before anything else. */
  mustChoosePassword: boolean;
}

export function staffMemberOf(account: StaffAccountRow, role: StaffRole): StaffMember {
  return { id: account.id, email: account.email, role, mustChoosePassword: account.password_hash.startsWith(ONE_TIME_MARK) };
}
