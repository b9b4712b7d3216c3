import type { PortalDeps } from '../../deps';
import type { FieldCipher } from '../../security/fieldCipher';
import type { StaffAccountRow, StaffStore } from '../../store/staffStore';
import type { StaffRole } from '../../policy/staffPolicy';

/** What the staff account services are built from. */
export type AccountDeps = Pick<PortalDeps, 'clock' | 'audit'> & { staffStore: StaffStore; cipher: FieldCipher };

export const TOTP_FIELD = 'staff_accounts.totp_secret';
export const MIN_PASSWORD_LENGTH = 12;
/**
 * Marks a hash of the password `staff add` printed: whoever ran the command has seen it, so it opens
 * only the page where the staff member chooses their own.
 */
export const ONE_TIME_MARK = 'one-time:';

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
