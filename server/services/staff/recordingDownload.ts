import { InputError } from '../inputError';
import type { StaffMember } from './staffCredentials';
import { isAvailable, recordingOrFail, requiredReason, type ConsoleDeps } from './staffRecords';

export function staffRecordingDownload(deps: Pick<ConsoleDeps, 'config' | 'clock' | 'audit' | 'recordings' | 'objects'>) {
  return {
    /** Supervisors only (the route checks): the audio itself, for a right of access request, audited first. */
    async downloadUrl(staff: StaffMember, recordingId: string, reasonInput: unknown): Promise<string> {
      const reason = requiredReason(reasonInput);
      const recording = await recordingOrFail(deps, recordingId);
      if (!isAvailable(recording, deps.clock())) throw new InputError('recording', 'This recording is no longer available');
      await deps.audit.recordEvent(deps.clock(), { type: 'recording.staff-download', actor: staff.id, recordingId: recording.id, detail: { reason } });
      const extension = recording.object_key.split('.').pop();
      return deps.objects.presignGet({
        key: recording.object_key,
        contentType: recording.content_type,
        disposition: 'attachment',
        fileName: `assessment-recording-${recording.assessment_ref}.${extension}`,
        ttlSeconds: deps.config.presignTtlSeconds,
        now: deps.clock(),
      });
    },
  };
}

export type StaffRecordingDownload = ReturnType<typeof staffRecordingDownload>;
