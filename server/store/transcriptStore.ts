import type { Kysely, Selectable } from 'kysely';
import { recordingAvailability } from '../policy/recordingAvailability';
import type { AuditChain, AuditEvent } from './auditChain';
import { holdRecording } from './recordingHold';
import type { Database } from './schema';

/** Where a transcript reached the portal from; how it was made (by a person, later by a machine) is not the store's concern. */
export type TranscriptSource = 'provider' | 'staff';

export interface TranscriptsTable {
  recording_id: string;
  object_key: string;
  sha256: string;
  size_bytes: number;
  cue_count: number;
  source: TranscriptSource;
  /** The staff member's id, or `provider:<id>`. */
  attached_by: string;
  attached_at: string;
  /** How many transcripts this one replaced. */
  replaced_count: number;
}

export type TranscriptRow = Selectable<TranscriptsTable>;
type TranscriptDb = Database & { transcripts: TranscriptsTable };

export type NewTranscript = Omit<TranscriptRow, 'replaced_count'>;

/** Attached (with the object it replaced, whose deletion is the caller's), or refused: the recording is gone or going. */
export type AttachOutcome = { attached: true; replaced: TranscriptRow | undefined } | { attached: false };

/**
 * Transcripts (migration 0009_transcripts). Attaching is one transaction holding the recording's
 * row: the recording must be live (not deleted, not asked to be, not past its date) at that moment,
 * and the manifest is signed again from the one it holds then, so two attachments, or an attachment
 * and a deletion request, happen one after the other.
 */
export class TranscriptStore {
  private readonly db: Kysely<TranscriptDb>;

  constructor(
    db: Kysely<Database>,
    private readonly audit: AuditChain,
  ) {
    this.db = db.withTables<{ transcripts: TranscriptsTable }>();
  }

  current(recordingId: string): Promise<TranscriptRow | undefined> {
    return this.db.selectFrom('transcripts').selectAll().where('recording_id', '=', recordingId).executeTakeFirst();
  }

  /** The bucket keys of the recording's transcript, for the retention sweep (none, or one). */
  async objectKeysOf(recordingId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('transcripts').select('object_key').where('recording_id', '=', recordingId).execute();
    return rows.map((row) => row.object_key);
  }

  /**
   * Records `transcript` as the recording's one transcript and its manifest as `sign` makes it from
   * the manifest the recording holds (under the same hold, so none is lost between the two), with
   * the audit event `event` describes in the same transaction.
   */
  async attach(
    transcript: NewTranscript,
    now: Date,
    sign: (currentManifest: string | null) => Promise<string>,
    event: (replaced: TranscriptRow | undefined) => AuditEvent,
  ): Promise<AttachOutcome> {
    return this.audit.atomically(async (transaction, recordEvent) => {
      const trx = transaction.withTables<{ transcripts: TranscriptsTable }>();
      const recording = await holdRecording(transaction, transcript.recording_id);
      if (!recording || !recordingAvailability(recording, now).available) return { attached: false };
      const replaced = await trx.selectFrom('transcripts').selectAll().where('recording_id', '=', transcript.recording_id).executeTakeFirst();
      await trx
        .insertInto('transcripts')
        .values({ ...transcript, replaced_count: 0 })
        .onConflict((conflict) =>
          conflict.column('recording_id').doUpdateSet((eb) => ({
            object_key: eb.ref('excluded.object_key'),
            sha256: eb.ref('excluded.sha256'),
            size_bytes: eb.ref('excluded.size_bytes'),
            cue_count: eb.ref('excluded.cue_count'),
            source: eb.ref('excluded.source'),
            attached_by: eb.ref('excluded.attached_by'),
            attached_at: eb.ref('excluded.attached_at'),
            replaced_count: eb(eb.ref('transcripts.replaced_count'), '+', 1),
          })),
        )
        .execute();
      await trx.updateTable('recordings').set({ manifest: await sign(recording.manifest) }).where('id', '=', transcript.recording_id).execute();
      await recordEvent(now, event(replaced));
      return { attached: true, replaced };
    });
  }
}
