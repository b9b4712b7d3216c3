import type { TranscriptsTable } from './transcriptStore';
import type { ExpressionBuilder, Kysely } from 'kysely';
import { availableInSql } from '../policy/recordingAvailability';
import type { AuditChain } from './auditChain';
import { pingDatabase } from './database';
import type { Database, ListeningStatus, RecordingsTable } from './schema';
import type { ProviderRecordingsTable } from './staffSchema';

export type NewRecording = Omit<
  RecordingsTable,
  'created_at' | 'deleted_at' | 'deletion_reason' | 'deletion_requested_at' | 'deletion_requested_by' | 'deletion_request_reason' | 'manifest'
> & { manifest?: string | null };
export type RecordingRow = RecordingsTable;

/** Recordings: registering one with its owner, finding them, and claiming and settling their listening copies. */
export class RecordingStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditChain,
  ) {}

  async ping(): Promise<void> {
    await pingDatabase(this.db);
  }

  /**
   * @param providerId the assessment provider that sent it through the API, recorded as its owner in
   *   the same transaction: a recording the provider could not see would also block its retry (the
   *   reference is taken).
   */
  async addRecording(recording: NewRecording, now: Date, actor: string, providerId?: string): Promise<void> {
    await this.audit.atomically(async (trx, audit) => {
      await trx
        .insertInto('recordings')
        .values({ ...recording, created_at: now.toISOString(), deleted_at: null, deletion_reason: null })
        .execute();
      if (providerId !== undefined) {
        await trx
          .withTables<{ provider_recordings: ProviderRecordingsTable }>()
          .insertInto('provider_recordings')
          .values({ recording_id: recording.id, provider_id: providerId })
          .execute();
      }
      await audit(now, {
        type: 'recording.registered',
        actor,
        recordingId: recording.id,
        detail: { sha256: recording.sha256, sizeBytes: recording.size_bytes },
      });
    });
  }

  async findRecording(id: string): Promise<RecordingRow | undefined> {
    return this.db.selectFrom('recordings').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** The recording (or its tombstone) whose audio has this SHA-256, for /verify. */
  async findRecordingBySha256(sha256: string): Promise<RecordingRow | undefined> {
    return this.db.selectFrom('recordings').selectAll().where('sha256', '=', sha256).orderBy('created_at').executeTakeFirst();
  }

  async findRecordingByRef(assessmentRef: string): Promise<RecordingRow | undefined> {
    return this.db.selectFrom('recordings').selectAll().where('assessment_ref', '=', assessmentRef).executeTakeFirst();
  }

  /*
   * Listening copies. A recording is claimed for its copy in one conditional UPDATE (re-checked
   * against the row as it is when the write happens), so two instances never make the same copy; a
   * claim older than `staleBefore` was left by an instance that stopped, and is taken over.
   */

  /** The next recording whose listening copy is to be decided or made, claimed for `claimId`. */
  async claimListeningCopy(claimId: string, now: Date, staleBefore: Date, retryNoFfmpeg: boolean): Promise<RecordingRow | undefined> {
    const at = now.toISOString();
    const waiting = (eb: ExpressionBuilder<Database, 'recordings'>) =>
      eb.and([
        availableInSql(eb, now),
        eb.or([
          eb('listening_status', '=', 'pending'),
          ...(retryNoFfmpeg ? [eb('listening_status', '=', 'no-ffmpeg')] : []),
          eb.and([eb('listening_status', '=', 'making'), eb('listening_claimed_at', '<=', staleBefore.toISOString())]),
        ]),
      ]);
    for (;;) {
      const next = await this.db.selectFrom('recordings').select('id').where(waiting).orderBy('created_at').limit(1).executeTakeFirst();
      if (!next) return undefined;
      const claimed = await this.db
        .updateTable('recordings')
        .set({ listening_status: 'making', listening_claimed_at: at, listening_claim_id: claimId })
        .where('id', '=', next.id)
        .where(waiting)
        .returningAll()
        .executeTakeFirst();
      // Taken by another instance between the two statements: look for the next one.
      if (claimed) return claimed;
    }
  }

  /**
   * Settles a claim ('pending' gives it back). Nothing changes (false) when the claim was taken over or the recording is
   * going (deleted, asked to be, or past its date, so the sweep may already have read it without a
   * copy): a copy made meanwhile must then be deleted by its maker.
   */
  async settleListeningCopy(
    recordingId: string,
    claimId: string,
    now: Date,
    outcome:
      | { status: Exclude<ListeningStatus, 'making' | 'made'>; error?: string }
      | { status: 'made'; objectKey: string; contentType: string; sizeBytes: number; sha256: string; durationSeconds: number; manifest: string; replacing: string | null },
  ): Promise<boolean> {
    const replacing = outcome.status === 'made' ? outcome.replacing : null;
    const values =
      outcome.status === 'made'
        ? {
            listening_status: outcome.status,
            listening_object_key: outcome.objectKey,
            listening_content_type: outcome.contentType,
            listening_size_bytes: outcome.sizeBytes,
            listening_sha256: outcome.sha256,
            listening_duration_seconds: outcome.durationSeconds,
            listening_error: null,
            manifest: outcome.manifest,
          }
        : { listening_status: outcome.status, listening_error: outcome.error ?? null };
    const settled = await this.db
      .updateTable('recordings')
      .set({ ...values, listening_claimed_at: null, listening_claim_id: null })
      .where('id', '=', recordingId)
      .where('listening_status', '=', 'making')
      .where('listening_claim_id', '=', claimId)
      .where((eb) => availableInSql(eb, now))
      // A manifest signed again meanwhile (a transcript attached) is not overwritten: the caller signs again from it.
      .$if(outcome.status === 'made', (qb) => qb.where((eb) => (replacing === null ? eb('manifest', 'is', null) : eb('manifest', '=', replacing))))
      .executeTakeFirst();
    return Number(settled.numUpdatedRows) === 1;
  }

  /** Recordings whose keyed NINO index matches; the NINO itself is never stored or compared in clear. */
  recordingsByNinoIndex(ninoIndex: string): Promise<RecordingRow[]> {
    return this.db.selectFrom('recordings').selectAll().where('nino_index', '=', ninoIndex).orderBy('recorded_at', 'desc').limit(50).execute();
  }

  /** The recording (or its tombstone) whose original, listening copy or transcript has this SHA-256, for /verify. */
  async findRecordingByFileSha256(sha256: string): Promise<RecordingRow | undefined> {
    return this.db
      .withTables<{ transcripts: Pick<TranscriptsTable, 'recording_id' | 'sha256'> }>()
      .selectFrom('recordings')
      .selectAll('recordings')
      .where((eb) =>
        eb.or([
          eb('sha256', '=', sha256),
          eb('listening_sha256', '=', sha256),
          eb.exists(eb.selectFrom('transcripts').select('transcripts.recording_id').whereRef('transcripts.recording_id', '=', 'recordings.id').where('transcripts.sha256', '=', sha256)),
        ]),
      )
      .orderBy('created_at')
      .executeTakeFirst();
  }
}
