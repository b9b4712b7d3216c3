import { InputError } from '../inputError';
import type { StaffMember } from './staffCredentials';
import { maskAddressLine, parseCalendarDay } from '../../policy/staffPolicy';
import { recordingOrFail, requiredReason, type ConsoleDeps } from './staffRecords';

const POSTAL_KINDS = { postal: 'Postal copy', 'right-of-access': 'Right of access request copy' } as const;

export function staffPostalCopies(deps: Pick<ConsoleDeps, 'clock' | 'audit' | 'recordings'>) {
  return {
    /** A copy sent outside the portal; only a masked first line of the address is kept. */
    async recordPostalCopy(staff: StaffMember, recordingId: string, input: { kind: unknown; sentOn: unknown; addressLine: unknown; reason: unknown }) {
      const recording = await recordingOrFail(deps, recordingId);
      const kind = typeof input.kind === 'string' && Object.hasOwn(POSTAL_KINDS, input.kind) ? (input.kind as keyof typeof POSTAL_KINDS) : undefined;
      if (!kind) throw new InputError('kind', 'Select postal copy or right of access request');
      const sentOn = parseCalendarDay(input.sentOn);
      if (!sentOn || sentOn.getTime() > deps.clock().getTime()) {
        throw new InputError('sentOn', 'Enter the date the copy was sent, for example 2026-11-23, not in the future');
      }
      const addressLine = typeof input.addressLine === 'string' ? input.addressLine.trim() : '';
      if (addressLine.length < 2 || addressLine.length > 100) throw new InputError('addressLine', 'Enter the first line of the address');
      const reason = requiredReason(input.reason);
      await deps.audit.recordEvent(deps.clock(), {
        type: 'recording.postal-copy',
        actor: staff.id,
        recordingId: recording.id,
        detail: { kind: POSTAL_KINDS[kind], sentOn: input.sentOn as string, address: maskAddressLine(addressLine), reason },
      });
    },
  };
}

export type StaffPostalCopies = ReturnType<typeof staffPostalCopies>;
