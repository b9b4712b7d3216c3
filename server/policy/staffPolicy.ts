import { personalDetailIn } from './personalDetails';

/** The staff console's rules, as values and pure functions: who may do what, and for how long. */

export const STAFF_ROLES = ['agent', 'supervisor', 'auditor'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

export type StaffAction =
  | 'find'
  | 'view'
  | 'reissue-link'
  | 'unlock-link'
  | 'record-postal-copy'
  | 'download-recording'
  | 'place-legal-hold'
  | 'request-deletion'
  | 'unlock-staff-account'
  | 'export-audit'
  | 'attach-transcript';

/**
 * Agents help claimants on the phone; supervisors can also hand out the audio itself (a right of
 * access request), hold a recording for a dispute, ask for its deletion and unlock colleagues;
 * auditors only look, and export the audit log.
 */
const AGENT: StaffAction[] = ['find', 'view', 'reissue-link', 'unlock-link', 'record-postal-copy'];
const PERMISSIONS: Record<StaffRole, ReadonlySet<StaffAction>> = {
  agent: new Set(AGENT),
  supervisor: new Set<StaffAction>([...AGENT, 'download-recording', 'place-legal-hold', 'request-deletion', 'unlock-staff-account', 'attach-transcript']),
  auditor: new Set<StaffAction>(['find', 'view', 'export-audit']),
};

export function staffMay(role: string, action: StaffAction): boolean {
  return isStaffRole(role) && PERMISSIONS[role].has(action);
}

export function isStaffRole(value: unknown): value is StaffRole {
  return typeof value === 'string' && (STAFF_ROLES as readonly string[]).includes(value);
}

/** A session ends after 15 minutes without a request, and 8 hours after sign-in whatever happens. */
export const STAFF_SESSION_LIMITS = { idleMs: 15 * 60_000, absoluteMs: 8 * 3_600_000 };

/**
 * Failed sign-ins in a row from one address lock the account at that address until a supervisor
 * unlocks it; from everywhere, 100 in an hour lock it everywhere for the rest of the hour (ASVS 2.2.1).
 */
export const SIGN_IN_LIMITS = { perAddress: 5, perAccountPerHour: 100 };

/** TOTP codes from one 30-second step either side of now are accepted (clock drift, slow typing). */
export const TOTP_TOLERANCE_SECONDS = 30;

const EMAIL = /^[^\s@<>"]{1,64}@[A-Za-z0-9.-]{1,189}\.[A-Za-z]{2,}$/;

export function normaliseEmail(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length > 254) return undefined;
  const email = input.trim().toLowerCase();
  return EMAIL.test(email) ? email : undefined;
}

export type ReasonParse = { ok: true; reason: string } | { ok: false; problem: string };

/**
 * A reason for an action: required, one line or a short paragraph. It is kept in the audit log for
 * years and shown to other staff, so one carrying a NINO or a phone number is refused.
 */
export function parseReason(input: unknown): ReasonParse {
  const reason = typeof input === 'string' ? input.trim().replace(/\s+/g, ' ') : '';
  if (reason.length < 3 || reason.length > 500) return { ok: false, problem: 'Enter a reason of 3 to 500 characters' };
  if (personalDetailIn(reason)) return { ok: false, problem: "Don't type personal details here: leave out the National Insurance number or phone number" };
  return { ok: true, reason };
}

/** "12 High Street" → "1* H*** S*****": enough to tell two addresses apart, too little to misuse. */
export function maskAddressLine(line: string): string {
  return line
    .trim()
    .split(/\s+/)
    .map((word) => word.slice(0, 1) + '*'.repeat(Math.max(0, word.length - 1)))
    .join(' ');
}

/** "2026-11-23" as midnight UTC of that day; anything else, or a day that does not exist, is undefined. */
export function parseCalendarDay(input: unknown): Date | undefined {
  if (typeof input !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(input)) return undefined;
  const date = new Date(`${input}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === input ? date : undefined;
}
