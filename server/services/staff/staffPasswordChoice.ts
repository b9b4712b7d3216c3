import { InputError } from '../inputError';
import { hashPassword, passwordMatches } from '../../security/passwordHasher';
import { MIN_PASSWORD_LENGTH, ONE_TIME_MARK, type AccountDeps, type StaffMember } from './staffCredentials';

export function staffPasswordChoice(deps: AccountDeps) {
  return {
    /** Replaces the one-time password with the staff member's own; it cannot be the one-time one again. */
    async choosePassword(staff: StaffMember, input: { password: unknown; confirm: unknown }): Promise<void> {
      const password = typeof input.password === 'string' ? input.password : '';
      if (password.length < MIN_PASSWORD_LENGTH || password.length > 200) {
        throw new InputError('password', `Enter a password of ${MIN_PASSWORD_LENGTH} to 200 characters`);
      }
      if (input.confirm !== password) throw new InputError('confirm', 'The passwords do not match');
      const account = await deps.staffStore.findById(staff.id);
      if (!account || !account.password_hash.startsWith(ONE_TIME_MARK)) throw new InputError('password', 'Your password has already been set');
      if (await passwordMatches(account.password_hash.slice(ONE_TIME_MARK.length), password)) {
        throw new InputError('password', 'Choose a password different from the one-time password');
      }
      await deps.staffStore.replaceOneTimePassword(staff.id, account.password_hash, await hashPassword(password));
      await deps.audit.recordEvent(deps.clock(), { type: 'staff.password-chosen', actor: staff.id });
    },
  };
}

export type StaffPasswordChoice = ReturnType<typeof staffPasswordChoice>;
