import { randomBytes } from 'node:crypto';
import { verifySync } from 'otplib';
import { normaliseEmail, SIGN_IN_LIMITS, TOTP_TOLERANCE_SECONDS, type StaffRole } from '../../policy/staffPolicy';
import { hashPassword, passwordMatches } from '../../security/passwordHasher';
import { ONE_TIME_MARK, staffMemberOf, TOTP_FIELD, type AccountDeps, type StaffMember } from './staffCredentials';
import { startSession } from './staffSessions';

/** A lock is not an outcome of its own: a locked account is refused exactly as a wrong password is. */
export type SignInOutcome = { outcome: 'signed-in'; sessionToken: string; staff: StaffMember } | { outcome: 'refused' };

export function staffSignIn(deps: AccountDeps) {
  // Compared against when the email is unknown, so a wrong email costs the same time as a wrong password.
  const decoyHash = hashPassword(randomBytes(16).toString('hex'));

  async function refuse(account: { id: string }, address: string, now: Date): Promise<SignInOutcome> {
    const counted = await deps.staffStore.recordFailedSignIn(account.id, address, now, SIGN_IN_LIMITS);
    await deps.audit.recordEvent(now, { type: 'staff.sign-in-failed', actor: account.id });
    if (counted.justLockedHere) await deps.audit.recordEvent(now, { type: 'staff.locked', actor: account.id, detail: { address } });
    if (counted.justReachedHourLimit) await deps.audit.recordEvent(now, { type: 'staff.locked', actor: account.id, detail: { everywhereForAnHour: true } });
    return { outcome: 'refused' };
  }

  /** The 30-second step of a TOTP code that is right now and later than the last one accepted, if it is. */
  function totpStep(totpSecretEncrypted: string, code: string, lastStep: number | null, now: Date): number | undefined {
    const check = verifySync({
      secret: deps.cipher.decrypt(TOTP_FIELD, totpSecretEncrypted),
      token: code,
      epoch: Math.floor(now.getTime() / 1000),
      epochTolerance: TOTP_TOLERANCE_SECONDS,
      afterTimeStep: lastStep ?? undefined,
    });
    return check.valid && 'timeStep' in check ? check.timeStep : undefined;
  }

  return {
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
      const passwordIsRight = await passwordMatches(account?.password_hash.replace(ONE_TIME_MARK, '') ?? (await decoyHash), password);
      if (!account) return { outcome: 'refused' };
      if (!passwordIsRight || !/^\d{6}$/.test(code)) return refuse(account, input.address, now);
      const step = totpStep(account.totp_secret_encrypted, code, account.last_totp_step, now);
      if (step === undefined || !(await deps.staffStore.acceptSignIn(account.id, step, input.address, now, SIGN_IN_LIMITS))) return refuse(account, input.address, now);
      const sessionToken = await startSession(deps, account.id, now);
      await deps.audit.recordEvent(now, { type: 'staff.signed-in', actor: account.id });
      return { outcome: 'signed-in', sessionToken, staff: staffMemberOf(account, account.role as StaffRole) };
    },
  };
}

export type StaffSignIn = ReturnType<typeof staffSignIn>;
