import { staffAuditExport } from './auditExport';
import { staffLinkActions } from './linkActions';
import { staffPostalCopies } from './postalCopies';
import { staffRecordingDownload } from './recordingDownload';
import { staffRecordingLookup } from './recordingLookup';
import { staffRecordingRetention } from './recordingRetention';
import type { ConsoleDeps } from './staffRecords';
import { staffTranscriptActions } from './transcriptActions';

/**
 * What support staff do on the phone with a claimant, built together for the composition root: find
 * the recording, read each link's story, and act on it. Every action needs a reason and is audited
 * with the staff member's id. Each page takes only the service it uses.
 */
export function staffConsole(deps: ConsoleDeps) {
  return {
    ...staffRecordingLookup(deps),
    ...staffLinkActions(deps),
    ...staffPostalCopies(deps),
    ...staffRecordingRetention(deps),
    ...staffRecordingDownload(deps),
    ...staffAuditExport(deps),
    transcripts: staffTranscriptActions(deps),
  };
}

export type StaffConsole = ReturnType<typeof staffConsole>;
