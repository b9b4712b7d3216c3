import { InputError } from '../inputError';
import { liftLegalHold, placeLegalHold, requestDeletion } from '../retention';
import type { StaffMember } from './staffCredentials';
import { recordingOrFail, requiredReason, type ConsoleDeps } from './staffRecords';

/** Supervisors only (the routes check): how long a recording is kept, against its retention date. */
export function staffRecordingRetention(deps: Pick<ConsoleDeps, 'clock' | 'recordings' | 'retention'>) {
  return {
    /** Keeps the recording past its date while a dispute is open. */
    async placeLegalHold(staff: StaffMember, recordingId: string, reasonInput: unknown) {
      await placeLegalHold(deps, { recordingId: (await recordingOrFail(deps, recordingId)).id, reason: requiredReason(reasonInput), actor: staff.id });
    },

    async liftLegalHold(staff: StaffMember, recordingId: string, reasonInput: unknown) {
      const { lifted } = await liftLegalHold(deps, { recordingId: (await recordingOrFail(deps, recordingId)).id, reason: requiredReason(reasonInput), actor: staff.id });
      if (lifted === 0) throw new InputError('lift-reason', 'No legal hold stands on this recording');
    },

    /** The recording goes at the next retention sweep, unless a legal hold stands. */
    async requestDeletion(staff: StaffMember, recordingId: string, reasonInput: unknown) {
      return requestDeletion(deps, { recordingId: (await recordingOrFail(deps, recordingId)).id, reason: requiredReason(reasonInput), actor: staff.id });
    },
  };
}

export type StaffRecordingRetention = ReturnType<typeof staffRecordingRetention>;
