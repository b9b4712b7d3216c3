import { randomBytes, randomUUID } from 'node:crypto';
import { generateSecret, generateURI } from 'otplib';
import { InputError } from '../inputError';
import { isStaffRole, normaliseEmail, parseReason, SIGN_IN_LIMITS } from '../../policy/staffPolicy';
import { hashPassword } from '../../security/passwordHasher';
import { ONE_TIME_MARK, TOTP_FIELD, type AccountDeps } from './staffCredentials';

const ISSUER = 'Assessment recordings staff';

/** Adding staff accounts (the operator's `staff add`), and the locked ones a supervisor sees and unlocks. */
export function staffAccountAdmin(deps: AccountDeps) {
  return {
    /** A new account with a generated password and TOTP secret, to be handed over once. */
    async create(input: { email: unknown; role: unknown; actor: string }) {
      const email = normaliseEmail(input.email);
      if (!email) throw new InputError('email', 'not a valid email address');
      if (!isStaffRole(input.role)) throw new InputError('role', 'must be agent, supervisor or auditor');
      if (await deps.staffStore.findByEmail(email)) throw new InputError('email', 'a staff account with this email already exists');
      const password = randomBytes(15).toString('base64url');
      const totpSecret = generateSecret();
      const id = randomUUID();
      const now = deps.clock();
      await deps.staffStore.addAccount(
        { id, email, role: input.role, passwordHash: ONE_TIME_MARK + (await hashPassword(password)), totpSecretEncrypted: deps.cipher.encrypt(TOTP_FIELD, totpSecret) },
        now,
      );
      await deps.audit.recordEvent(now, { type: 'staff.created', actor: input.actor, detail: { staffId: id, role: input.role } });
      return { id, email, role: input.role, password, otpauthUri: generateURI({ issuer: ISSUER, label: email, secret: totpSecret }) };
    },

    lockedAccounts: () => deps.staffStore.lockedAccounts(deps.clock(), SIGN_IN_LIMITS),

    /** Unlocks an account everywhere, for a reason; false when no locked account has this id. */
    async unlock(accountId: string, actor: string, reasonInput: unknown): Promise<boolean> {
      const reason = parseReason(reasonInput);
      if (!reason.ok) throw new InputError('reason', reason.problem);
      const unlocked = await deps.staffStore.unlockAccount(accountId, deps.clock(), SIGN_IN_LIMITS);
      if (unlocked) await deps.audit.recordEvent(deps.clock(), { type: 'staff.unlocked', actor, detail: { staffId: accountId, reason: reason.reason } });
      return unlocked;
    },
  };
}

export type StaffAccountAdmin = ReturnType<typeof staffAccountAdmin>;
