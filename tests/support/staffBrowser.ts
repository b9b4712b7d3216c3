import { generateSync } from 'otplib';
import { hiddenField } from './grants';
import { PortalBrowser } from './portalBrowser';
import type { TestPortal } from './testPortal';

export interface StaffCredentials {
  email: string;
  role: string;
  oneTimePassword: string;
  otpauthUri: string;
  qrCodeFile: string;
}

/** A staff account made the way an operator makes one: `staff add` through the CLI. */
export async function addStaff(portal: TestPortal, role: string, email = `${role}.${Math.random().toString(36).slice(2, 8)}@dwp.example.gov.uk`) {
  const added = await portal.cli('staff', 'add', '--email', email, '--role', role);
  if (added.code !== 0) throw new Error(`staff add failed: ${JSON.stringify(added.json)}`);
  return added.json as unknown as StaffCredentials;
}

/** The code an authenticator app shows for this account at the portal's time (optionally some seconds later). */
export function totpCode(credentials: Pick<StaffCredentials, 'otpauthUri'>, portal: TestPortal, offsetSeconds = 0): string {
  const secret = new URL(credentials.otpauthUri).searchParams.get('secret')!;
  return generateSync({ secret, epoch: Math.floor(portal.clock().getTime() / 1000) + offsetSeconds });
}

/** A staff member's browser over the real HTTP interface: submits forms with the CSRF token the page it came from carried. */
export class StaffBrowser extends PortalBrowser {
  csrfToken(): string | undefined {
    return hiddenField(this.lastPage, '_csrf');
  }

  /** Posts a form as a browser would from the last page: with its CSRF token unless told otherwise. */
  async post(path: string, form: Record<string, string>, options: { csrf?: string | null } = {}) {
    const token = options.csrf === undefined ? this.csrfToken() : options.csrf;
    return super.post(path, token === null || token === undefined ? form : { _csrf: token, ...form });
  }

  async signIn(credentials: Pick<StaffCredentials, 'email' | 'oneTimePassword'>, code: string) {
    await this.get('/staff/sign-in');
    return this.post('/staff/sign-in', { email: credentials.email, password: credentials.oneTimePassword, code });
  }
}

/** What an account's holder is handed, less the QR code file. */
export type AccountCredentials = Omit<StaffCredentials, 'qrCodeFile'>;

/**
 * A staff account made by the accounts service that `staff add` runs, as the operator who ran it: the
 * same row and audit event, without the command's second portal or its QR code file, whose PNG
 * encoding costs a test more than a sign-in. Tests of the command itself use addStaff.
 */
export async function newStaffAccount(portal: TestPortal, role: string): Promise<AccountCredentials & { staffId: string }> {
  const email = `${role}.${Math.random().toString(36).slice(2, 8)}@dwp.example.gov.uk`;
  const created = await portal.staff.accounts.create({ email, role, actor: 'operator-cli' });
  return { email: created.email, role: created.role, oneTimePassword: created.password, otpauthUri: created.otpauthUri, staffId: created.id };
}

/** A staff member with a new account, signed in with a real TOTP code, their own password chosen. */
export async function signedInStaff(portal: TestPortal, role: string) {
  const { staffId, ...credentials } = await newStaffAccount(portal, role);
  const browser = new StaffBrowser(portal.app);
  const answer = await browser.signIn(credentials, totpCode(credentials, portal));
  if (answer.status !== 303) throw new Error(`sign-in failed with ${answer.status}`);
  const password = await choosePassword(browser);
  return { credentials, browser, password, staffId };
}

/** The first sign-in's one step: replacing the one-time password from `staff add` with one's own. */
export async function choosePassword(browser: StaffBrowser, password = 'correct horse battery staple'): Promise<string> {
  await browser.get('/staff/password');
  const answer = await browser.post('/staff/password', { password, confirm: password });
  if (answer.status !== 303) throw new Error(`choosing a password failed with ${answer.status}`);
  return password;
}
