import { createHash, randomBytes, randomUUID } from 'node:crypto';
import argon2 from 'argon2';
import { generateSecret, generateURI, verifySync } from 'otplib';
import type { PortalDeps } from '../deps';
import type { FieldCipher } from '../security/fieldCipher';
import { InputError } from '../services/inputError';
import type { StaffStore } from '../store/staffStore';
import { isStaffRole, normaliseEmail, SIGN_IN_LIMITS, STAFF_SESSION_LIMITS, TOTP_TOLERANCE_SECONDS, type StaffRole } from './staffPolicy';

/** OWASP's argon2id baseline, as for NINOs. */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;
const TOTP_FIELD = 'staff_accounts.totp_secret';
const ISSUER = 'Assessment recordings staff';
/**
 * Marks a hash of the password `staff add` printed: whoever ran the command has seen it, so it opens
 * only the page where the staff member chooses their own.
 */
const ONE_TIME_MARK = 'one-time:';
export const MIN_PASSWORD_LENGTH = 12;

export interface StaffMember {
  id: string;
  email: string;
  role: StaffRole;
  /** Signed in with the one-time password from `staff add`: must choose their own before anything else. */
  mustChoosePassword: boolean;
}

/** A lock is not an outcome of its own: a locked account is refused exactly as a wrong password is. */
export type SignInOutcome = { outcome: 'signed-in'; sessionToken: string; staff: StaffMember } | { outcome: 'refused' };

type AccountDeps = Pick<PortalDeps, 'clock' | 'audit'> & { staffStore: StaffStore; cipher: FieldCipher };

/** Only the SHA-256 of a session cookie is stored, so the table cannot be replayed as cookies. */
export const sessionHash = (token: string) => createHash('sha256').update(token).digest('hex');

export function staffAccounts(deps: AccountDeps) {
  // Compared against when the email is unknown, so a wrong email costs the same time as a wrong password.
  const decoyHash = argon2.hash(randomBytes(16).toString('hex'), ARGON2_OPTIONS);

  async function refuse(account: { id: string }, address: string, now: Date): Promise<SignInOutcome> {
    const counted = await deps.staffStore.recordFailedSignIn(account.id, address, now, SIGN_IN_LIMITS);
    await deps.audit.recordEvent(now, { type: 'staff.sign-in-failed', actor: account.id });
    if (counted.justLockedHere) await deps.audit.recordEvent(now, { type: 'staff.locked', actor: account.id, detail: { address } });
    if (counted.justReachedHourLimit) await deps.audit.recordEvent(now, { type: 'staff.locked', actor: account.id, detail: { everywhereForAnHour: true } });
    return { outcome: 'refused' };
  }

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
        { id, email, role: input.role, passwordHash: ONE_TIME_MARK + (await argon2.hash(password, ARGON2_OPTIONS)), totpSecretEncrypted: deps.cipher.encrypt(TOTP_FIELD, totpSecret) },
        now,
      );
      await deps.audit.recordEvent(now, { type: 'staff.created', actor: input.actor, detail: { staffId: id, role: input.role } });
      return { id, email, role: input.role, password, otpauthUri: generateURI({ issuer: ISSUER, label: email, secret: totpSecret }) };
    },

    /**
     * Email, password and a TOTP code, from an address (as the sign-in rate limit keys it). Every
     * refusal looks and takes the same, locked or not: the password is always weighed, and every one
     * counts against the account at that address and in its hour. A code is accepted once only.
     */
    async signIn(input: { email: unknown; password: unknown; code: unknown; address: string }): Promise<SignInOutcome> {
      const now = deps.clock();
      const email = normaliseEmail(input.email);
      const password = typeof input.password === 'string' && input.password.length <= 200 ? input.password : '';
      const code = typeof input.code === 'string' ? input.code.replace(/\s/g, '') : '';
      const account = email ? await deps.staffStore.findByEmail(email) : undefined;
      const storedHash = account?.password_hash.replace(ONE_TIME_MARK, '') ?? (await decoyHash);
      const passwordMatches = await argon2.verify(storedHash, password).catch(() => false);
      if (!account) return { outcome: 'refused' };
      if (!passwordMatches || !/^\d{6}$/.test(code)) return refuse(account, input.address, now);
      const secret = deps.cipher.decrypt(TOTP_FIELD, account.totp_secret_encrypted);
      const check = verifySync({
        secret,
        token: code,
        epoch: Math.floor(now.getTime() / 1000),
        epochTolerance: TOTP_TOLERANCE_SECONDS,
        afterTimeStep: account.last_totp_step ?? undefined,
      });
      const step = check.valid && 'timeStep' in check ? check.timeStep : undefined;
      if (step === undefined || !(await deps.staffStore.acceptSignIn(account.id, step, input.address, now, SIGN_IN_LIMITS))) return refuse(account, input.address, now);
      const sessionToken = randomBytes(32).toString('base64url');
      await deps.staffStore.startSession(sessionHash(sessionToken), account.id, now);
      await deps.audit.recordEvent(now, { type: 'staff.signed-in', actor: account.id });
      return { outcome: 'signed-in', sessionToken, staff: { id: account.id, email: account.email, role: account.role as StaffRole, mustChoosePassword: account.password_hash.startsWith(ONE_TIME_MARK) } };
    },

    /** The staff member a session cookie belongs to, if the session is still live; touching it keeps it so. */
    async sessionStaff(token: unknown): Promise<(StaffMember & { sessionHash: string }) | undefined> {
      if (typeof token !== 'string' || token.length !== 43) return undefined;
      const hash = sessionHash(token);
      const staffId = await deps.staffStore.touchSession(hash, deps.clock(), STAFF_SESSION_LIMITS);
      const account = staffId ? await deps.staffStore.findById(staffId) : undefined;
      if (!account || !isStaffRole(account.role)) return undefined;
      return { id: account.id, email: account.email, role: account.role, mustChoosePassword: account.password_hash.startsWith(ONE_TIME_MARK), sessionHash: hash };
    },

    async signOut(staff: { id: string; sessionHash: string }) {
      const now = deps.clock();
      await deps.staffStore.endSession(staff.sessionHash, now);
      await deps.audit.recordEvent(now, { type: 'staff.signed-out', actor: staff.id });
    },

    async unlock(accountId: string, actor: string, reason: string): Promise<boolean> {
      const unlocked = await deps.staffStore.unlockAccount(accountId, deps.clock(), SIGN_IN_LIMITS);
      if (unlocked) await deps.audit.recordEvent(deps.clock(), { type: 'staff.unlocked', actor, detail: { staffId: accountId, reason } });
      return unlocked;
    },

    lockedAccounts: () => deps.staffStore.lockedAccounts(deps.clock(), SIGN_IN_LIMITS),

    /** Replaces the one-time password with the staff member's own; it cannot be the one-time one again. */
    async choosePassword(staff: StaffMember, input: { password: unknown; confirm: unknown }): Promise<void> {
      const password = typeof input.password === 'string' ? input.password : '';
      if (password.length < MIN_PASSWORD_LENGTH || password.length > 200) {
        throw new InputError('password', `Enter a password of ${MIN_PASSWORD_LENGTH} to 200 characters`);
      }
      if (input.confirm !== password) throw new InputError('confirm', 'The passwords do not match');
      const account = await deps.staffStore.findById(staff.id);
      if (!account || !account.password_hash.startsWith(ONE_TIME_MARK)) throw new InputError('password', 'Your password has already been set');
      if (await argon2.verify(account.password_hash.slice(ONE_TIME_MARK.length), password).catch(() => false)) {
        throw new InputError('password', 'Choose a password different from the one-time password');
      }
      await deps.staffStore.replaceOneTimePassword(staff.id, account.password_hash, await argon2.hash(password, ARGON2_OPTIONS));
      await deps.audit.recordEvent(deps.clock(), { type: 'staff.password-chosen', actor: staff.id });
    },
  };
}

export type StaffAccounts = ReturnType<typeof staffAccounts>;
