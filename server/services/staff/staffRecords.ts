import type { PortalDeps } from '../../deps';
import { recordingAvailability } from '../../policy/recordingAvailability';
import type { FieldCipher } from '../../security/fieldCipher';
import type { NinoHasher } from '../../security/ninoHasher';
import type { PortalServices } from '..';
import type { Transcripts } from '../transcripts';
import { InputError } from '../inputError';
import type { RecordingRow } from '../../store/recordingStore';
import type { StaffStore } from '../../store/staffStore';
import { parseReason } from '../../policy/staffPolicy';
import { isUuid } from '../../policy/uuid';

/** What the staff console's services are built from; each takes the part it uses. */
export type ConsoleDeps = Pick<PortalDeps, 'config' | 'clock' | 'audit' | 'recordings' | 'links' | 'retention' | 'outbox' | 'objects'> & {
  staffStore: StaffStore;
  cipher: FieldCipher;
  ninoHasher: NinoHasher;
  sendLink: PortalServices['sendLink'];
  transcripts: Transcripts;
};

/** Ids in addresses and audit actors are UUIDs; anything else is looked up nowhere. */
export const looksLikeId = isUuid;

export async function findRecording(deps: Pick<ConsoleDeps, 'recordings'>, recordingId: string): Promise<RecordingRow | undefined> {
  return looksLikeId(recordingId) ? deps.recordings.findRecording(recordingId) : undefined;
}

/** The recording an action is on; a missing one is a refusal the page shows, not an error. */
export async function recordingOrFail(deps: Pick<ConsoleDeps, 'recordings'>, recordingId: string): Promise<RecordingRow> {
  const recording = await findRecording(deps, recordingId);
  if (!recording) throw new InputError('recording', 'no such recording');
  return recording;
}

export const isAvailable = (recording: RecordingRow, now: Date) => recordingAvailability(recording, now).available;

/** Every staff action needs a reason for the audit log. */
export function requiredReason(input: unknown): string {
  const parsed = parseReason(input);
  if (!parsed.ok) throw new InputError('reason', parsed.problem);
  return parsed.reason;
}
