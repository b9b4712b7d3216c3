import { randomBytes } from 'node:crypto';
import { isStaffRole, STAFF_SESSION_LIMITS } from '../../policy/staffPolicy';
import { staffMemberOf, type AccountDeps, type StaffMember } from './staffCredentials';
import { sha256Hex } from '../../sha256Hex';

export type SignedInStaff = StaffMember & { sessionHash: string };

/** Only the SHA-256 of a session cookie is stored, so the table cannot be replayed as cookies. */
export const sessionHash = (token: string) => sha256Hex(token);

/** Starts a session for the account and returns the token for its cookie. */
export async function startSession(deps: Pick<AccountDeps, 'staffStore'>, staffId: string, now: Date): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await deps.staffStore.startSession(sessionHash(token), staffId, now);
  return token;
}

/** A signed-in staff member's session: found from its cookie on every request, and ended on sign-out. */
export function staffSessions(deps: AccountDeps) {
  return {
    /** The staff member a session cookie belongs to, if the session is still live; touching it keeps it so. */
    async sessionStaff(token: unknown): Promise<SignedInStaff | undefined> {
      if (typeof token !== 'string' || token.length !== 43) return undefined;
      const hash = sessionHash(token);
      const staffId = await deps.staffStore.touchSession(hash, deps.clock(), STAFF_SESSION_LIMITS);
      const account = staffId ? await deps.staffStore.findById(staffId) : undefined;
      if (!account || !isStaffRole(account.role)) return undefined;
      return { ...staffMemberOf(account, account.role), sessionHash: hash };
    },

    async signOut(staff: { id: string; sessionHash: string }) {
      const now = deps.clock();
      await deps.staffStore.endSession(staff.sessionHash, now);
      await deps.audit.recordEvent(now, { type: 'staff.signed-out', actor: staff.id });
    },
  };
}

export type StaffSessions = ReturnType<typeof staffSessions>;
