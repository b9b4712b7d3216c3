import type { AccountDeps } from './staffCredentials';
import { staffAccountAdmin } from './staffAccountAdmin';
import { staffPasswordChoice } from './staffPasswordChoice';
import { staffSessions } from './staffSessions';
import { staffSignIn } from './staffSignIn';

/**
 * The staff account services, built together for the composition root. Each page, command and test
 * takes only the one it uses (`StaffSignIn`, `StaffSessions`, `StaffPasswordChoice`, `StaffAccountAdmin`).
 */
export function staffAccounts(deps: AccountDeps) {
  return { ...staffSignIn(deps), ...staffSessions(deps), ...staffPasswordChoice(deps), ...staffAccountAdmin(deps) };
}

export type StaffAccounts = ReturnType<typeof staffAccounts>;
