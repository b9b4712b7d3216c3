import { randomUUID } from 'node:crypto';
import { buffer } from 'node:stream/consumers';
import type { PortalDeps } from '../deps';
import { recordingAvailability } from '../policy/recordingAvailability';
import { checkTranscript, TRANSCRIPT_FORMAT, type TranscriptCue, type TranscriptProblem } from '../policy/transcript';
import type { RecordingRow } from '../store/recordingStore';
import { manifestFacts } from './manifestFacts';
import type { TranscriptRow, TranscriptSource } from '../store/transcriptStore';
import { sha256Hex } from '../sha256Hex';

type TranscriptDeps = Pick<PortalDeps, 'config' | 'clock' | 'audit' | 'recordings' | 'transcriptStore' | 'objects' | 'logger' | 'manifests'>;

/** Nothing was stored: the transcript is not one the portal keeps, or its recording can no longer have one. */
export class TranscriptRefused extends Error {
  constructor(
    readonly problem: TranscriptProblem | 'no-recording' | 'recording-unavailable',
    detail: string,
  ) {
    super(detail);
    this.name = 'TranscriptRefused';
  }
}

/**
 * A transcript as it reaches the portal, whoever or whatever made it: a provider's typist, a
 * supervisor with a file made as a reasonable adjustment, or (later) a speech recogniser. Each hands
 * over WebVTT, and the same checks, storage, manifest and audit apply.
 */
export interface TranscriptInput {
  recordingId: string;
  vtt: Buffer;
  source: TranscriptSource;
  actor: string;
  /** Why it was attached, where the person attaching says (the console asks). */
  reason?: string;
}

export interface AttachedTranscript {
  sha256: string;
  sizeBytes: number;
  cues: number;
  attachedAt: string;
  /** True when it took the place of an earlier transcript (whose object is deleted). */
  replaced: boolean;
}

/** A stored transcript, read back: its file as attached and its cues. */
export interface StoredTranscript {
  row: TranscriptRow;
  vtt: Buffer;
  cues: TranscriptCue[];
}


/** Each attachment has a key of its own, so a replacement never overwrites what the manifest still names. */
const transcriptObjectKey = (recordingId: string) => `transcripts/${recordingId}/${randomUUID()}.${TRANSCRIPT_FORMAT.extension}`;

async function liveRecording(deps: TranscriptDeps, recordingId: string): Promise<RecordingRow> {
  const recording = await deps.recordings.findRecording(recordingId);
  if (!recording) throw new TranscriptRefused('no-recording', 'no recording with this id');
  if (!recordingAvailability(recording, deps.clock()).available) {
    throw new TranscriptRefused('recording-unavailable', 'the recording is deleted, asked to be deleted, or past its retention date');
  }
  return recording;
}

async function deleteReplaced(deps: TranscriptDeps, row: TranscriptRow) {
  try {
    await deps.objects.deleteEverywhere(row.object_key);
  } catch (error) {
    // The new transcript stands; the old object is left for an operator, and said so.
    deps.logger.error({ recordingId: row.recording_id, objectKey: row.object_key, err: (error as Error).message }, 'replaced transcript could not be deleted from the bucket');
  }
}

/**
 * Transcripts: checked (policy/transcript), stored in the bucket beside the audio with the same
 * encryption, recorded with the recording's manifest signed again to name the transcript's SHA-256,
 * and audited. A replacement takes the earlier one's place; the earlier object is deleted.
 */
export function transcripts(deps: TranscriptDeps) {
  const store = deps.transcriptStore;

  return {
    async attach(input: TranscriptInput): Promise<AttachedTranscript> {
      const recording = await liveRecording(deps, input.recordingId);
      const check = checkTranscript(input.vtt, recording.duration_seconds, deps.config.transcriptMaxBytes);
      if (!check.ok) throw new TranscriptRefused(check.problem, check.detail);
      const sha256 = sha256Hex(input.vtt);
      const objectKey = transcriptObjectKey(recording.id);
      const now = deps.clock();
      await deps.objects.put(objectKey, input.vtt, TRANSCRIPT_FORMAT.contentType, sha256);
      const facts = { sha256, sizeBytes: input.vtt.length, contentType: TRANSCRIPT_FORMAT.contentType };
      const outcome = await store.attach(
        { recording_id: recording.id, object_key: objectKey, sha256, size_bytes: input.vtt.length, cue_count: check.cues.length, source: input.source, attached_by: input.actor, attached_at: now.toISOString() },
        now,
        (current) => deps.manifests.amend(current, manifestFacts(recording), { transcript: facts }, now),
        (replaced) => ({
          type: replaced ? 'transcript.replaced' : 'transcript.attached',
          actor: input.actor,
          recordingId: recording.id,
          detail: { source: input.source, ...(input.reason ? { reason: input.reason } : {}), sha256, sizeBytes: input.vtt.length, cues: check.cues.length, ...(replaced ? { replacedSha256: replaced.sha256 } : {}) },
        }),
      );
      if (!outcome.attached) {
        // Deleted, or asked to be, since it was read: the sweep may already have been, so it goes here.
        await deps.objects.deleteEverywhere(objectKey);
        throw new TranscriptRefused('recording-unavailable', 'the recording was deleted, or asked to be, while the transcript was stored');
      }
      if (outcome.replaced) await deleteReplaced(deps, outcome.replaced);
      return { sha256, sizeBytes: input.vtt.length, cues: check.cues.length, attachedAt: now.toISOString(), replaced: Boolean(outcome.replaced) };
    },

    /** The recording's transcript as recorded, without reading the bucket; undefined when it has none. */
    current: (recordingId: string) => store.current(recordingId),

    /** The transcript read back from the bucket and checked against the SHA-256 recorded for it; undefined when there is none. */
    async read(recordingId: string): Promise<StoredTranscript | undefined> {
      const row = await store.current(recordingId);
      if (!row) return undefined;
      const body = await deps.objects.readBytes(row.object_key, 0, Math.max(0, row.size_bytes - 1));
      const vtt = body ? await buffer(body) : undefined;
      if (!vtt || sha256Hex(vtt) !== row.sha256) {
        deps.logger.error({ recordingId, objectKey: row.object_key }, 'transcript missing from the bucket or not what was stored');
        return undefined;
      }
      const check = checkTranscript(vtt, null, Infinity, { speechBounds: false });
      if (!check.ok) throw new Error(`stored transcript of ${recordingId} no longer parses: ${check.detail}`);
      return { row, vtt, cues: check.cues };
    },

    /** The bucket keys the retention sweep deletes with the audio. */
    objectKeysOf: (recordingId: string) => store.objectKeysOf(recordingId),
  };
}

export type Transcripts = ReturnType<typeof transcripts>;
