import type { ManifestFacts } from '../security/manifestSigner';
import type { RecordingRow } from '../store/recordingStore';

/** What a recording's manifest vouches for, from its row: for a recording whose manifest cannot be read back. */
export const manifestFacts = (recording: RecordingRow): ManifestFacts => ({
  assessmentRef: recording.assessment_ref,
  recordedAt: recording.recorded_at,
  sizeBytes: recording.size_bytes,
  sha256: recording.sha256,
});
