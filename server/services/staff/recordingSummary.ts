import { translator } from '../../i18n';
import { maskPhone } from '../../policy/phone';
import type { FieldCipher } from '../../security/fieldCipher';
import type { RecordingRow } from '../../store/recordingStore';
import { formatLength } from '../../pages/format';
import { isAvailable } from './staffRecords';

export interface RecordingSummary {
  id: string;
  assessmentRef: string;
  recordedAt: Date;
  retainUntil: Date;
  phoneMasked: string;
  language: string;
  /** Its length and codec as read at ingest ("5 seconds (PCM)"), or "Not known". */
  length: string;
  available: boolean;
  deletionRequested: boolean;
  legalHolds: Array<{ placedAt: Date; reason: string }>;
  /** Whether the listening copy for phones was made, and if not why. */
  phoneCopy: string;
}

function phoneCopyStatus(recording: RecordingRow): string {
  switch (recording.listening_status) {
    case 'made':
      return `Made (${((recording.listening_size_bytes ?? 0) / 1_000_000).toFixed(1)} MB)`;
    case 'not-needed':
      return 'Not needed: the original plays on phones and is small';
    case 'no-ffmpeg':
      return 'Not made: the portal has no ffmpeg (set FFMPEG_PATH); made once an instance with ffmpeg looks again';
    case 'failed':
      return `Not made: ${recording.listening_error ?? 'ffmpeg failed'}`;
    default:
      return 'Being made';
  }
}

/** A recording as staff see it: the phone number masked, never the NINO. */
export function recordingSummary(recording: RecordingRow, cipher: FieldCipher, now: Date, legalHolds: RecordingSummary['legalHolds'] = []): RecordingSummary {
  return {
    id: recording.id,
    assessmentRef: recording.assessment_ref,
    recordedAt: new Date(recording.recorded_at),
    retainUntil: new Date(recording.retain_until),
    phoneMasked: recording.phone_encrypted ? maskPhone(cipher.decrypt('recordings.phone', recording.phone_encrypted)) : 'none on record',
    language: recording.language === 'cy' ? 'Welsh' : 'English',
    length: formatLength(recording.duration_seconds, translator('en')) + (recording.codec ? ` (${recording.codec})` : ''),
    available: isAvailable(recording, now),
    deletionRequested: recording.deletion_requested_at !== null && !recording.deleted_at,
    legalHolds,
    phoneCopy: phoneCopyStatus(recording),
  };
}
