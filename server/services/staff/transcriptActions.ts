import { TRANSCRIPT_FORMAT } from '../../policy/transcript';
import { InputError } from '../inputError';
import { TranscriptRefused } from '../transcripts';
import type { TranscriptRow } from '../../store/transcriptStore';
import { transcriptTimeline, type NameActor } from './linkTimeline';
import type { StaffMember } from './staffCredentials';
import { staffDateTime } from '../../pages/staff/staffDates';
import { isAvailable, recordingOrFail, requiredReason, type ConsoleDeps } from './staffRecords';

/** What the recording page says of the transcript: the one there now, if any, and what happened to it. */
export interface TranscriptSummary {
  current: { attachedOn: string; cues: number; sizeBytes: number; sha256: string; source: string } | undefined;
  /** Oldest first, each with its time as staff read it (UK time). */
  history: Array<{ at: string; text: string }>;
}

/** The upload form as the multipart reader leaves it in `req.body`. */
export interface TranscriptForm {
  _csrf?: string;
  reason?: string;
  transcript?: Buffer;
  transcriptTooLarge?: boolean;
}

/** The transcript part of the recording page, from the events the page has already read. */
export function transcriptSummary(row: TranscriptRow | undefined, events: Parameters<typeof transcriptTimeline>[0], nameActor: NameActor): TranscriptSummary {
  const current = row && {
    attachedOn: staffDateTime(new Date(row.attached_at)),
    cues: row.cue_count,
    sizeBytes: row.size_bytes,
    sha256: row.sha256,
    source: row.source === 'provider' ? 'the assessment provider (API)' : 'a supervisor (console)',
  };
  return { current, history: transcriptTimeline(events, nameActor).map((entry) => ({ at: staffDateTime(entry.at), text: entry.text })) };
}

/**
 * A supervisor attaching a transcript in the console (made as a reasonable adjustment, say), and
 * handing one out with the audio for a right of access request. Both need a reason and are audited.
 */
export function staffTranscriptActions(deps: Pick<ConsoleDeps, 'config' | 'clock' | 'audit' | 'recordings' | 'transcripts'>) {
  const maxBytes = deps.config.transcriptMaxBytes;
  return {
    /** The largest transcript attach() takes, for the upload form's reader. */
    maxBytes,

    /** Supervisors only (the route checks). Refusals name the problem on the page; nothing is stored. */
    async attach(staff: StaffMember, recordingId: string, form: TranscriptForm): Promise<string> {
      const reason = requiredReason(form.reason);
      if (form.transcriptTooLarge) throw new InputError('transcript', `The transcript must be at most ${Math.floor(maxBytes / 1024)} KB`);
      if (!form.transcript || form.transcript.length === 0) throw new InputError('transcript', 'Choose a WebVTT (.vtt) file');
      try {
        const attached = await deps.transcripts.attach({ recordingId, vtt: form.transcript, source: 'staff', actor: staff.id, reason });
        return attached.replaced
          ? `The transcript has been replaced (${attached.cues} cues). The earlier one is deleted.`
          : `The transcript has been attached (${attached.cues} cues). The claimant can read it beside the player.`;
      } catch (error) {
        if (!(error instanceof TranscriptRefused)) throw error;
        throw new InputError(error.problem === 'no-recording' ? 'recording' : 'transcript', `The transcript was not attached: ${error.message}`);
      }
    },

    /** The transcript file, for a right of access request: audited first, with the reason. */
    async download(staff: StaffMember, recordingId: string, reasonInput: unknown): Promise<{ fileName: string; vtt: Buffer }> {
      const reason = requiredReason(reasonInput);
      const recording = await recordingOrFail(deps, recordingId);
      if (!isAvailable(recording, deps.clock())) throw new InputError('recording', 'This recording is no longer available');
      const stored = await deps.transcripts.read(recording.id);
      if (!stored) throw new InputError('reason', 'This recording has no transcript to download');
      await deps.audit.recordEvent(deps.clock(), { type: 'transcript.staff-download', actor: staff.id, recordingId, detail: { reason, sha256: stored.row.sha256 } });
      return { fileName: `assessment-transcript-${recording.assessment_ref}.${TRANSCRIPT_FORMAT.extension}`, vtt: stored.vtt };
    },
  };
}

export type StaffTranscriptActions = ReturnType<typeof staffTranscriptActions>;
