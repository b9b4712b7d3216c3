import type { Generated } from 'kysely';

/** Timestamps are ISO-8601 UTC strings: they sort as text and read the same on SQLite and PostgreSQL. */
type Timestamp = string;

export interface RecordingsTable {
  id: string;
  assessment_ref: string;
  recorded_at: Timestamp;
  retain_until: Timestamp;
  object_key: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  /** Seconds, with their fraction, as the container states them (0005_audio_facts). */
  duration_seconds: number | null;
  /** What music-metadata read at ingest; optional so rows written before 0005 (and tests' own rows) need not say. */
  codec?: string | null;
  sample_rate?: number | null;
  channels?: number | null;
  /** Bits per second as the container states them. */
  bitrate?: number | null;
  nino_hash: string | null;
  nino_index: string | null;
  phone_encrypted: string | null;
  language: string;
  created_at: Timestamp;
  deleted_at: Timestamp | null;
  deletion_reason: string | null;
  deletion_requested_at: Timestamp | null;
  deletion_requested_by: string | null;
  deletion_request_reason: string | null;
  /** Compact JWS over reference, recorded-at, size and SHA-256, signed at ingest. */
  manifest: string | null;
  /**
   * The listening copy (0008_listening_copies) and the job making it. Optional here because the
   * database fills them in (a new recording is 'pending'), not whoever inserts the row.
   */
  listening_status?: ListeningStatus;
  listening_claimed_at?: Timestamp | null;
  listening_claim_id?: string | null;
  listening_object_key?: string | null;
  listening_content_type?: string | null;
  listening_size_bytes?: number | null;
  listening_sha256?: string | null;
  listening_duration_seconds?: number | null;
  /** Why the copy could not be made ('failed'), for staff. */
  listening_error?: string | null;
}

/**
 * pending: the job has not looked at it yet; making: claimed by an instance; made: the copy is in the
 * bucket; not-needed: the original plays on phones and is small; no-ffmpeg: it needs one but the
 * instance that looked has no ffmpeg (looked at again by an instance that has); failed: ffmpeg could
 * not make it (listening_error says why).
 */
export type ListeningStatus = 'pending' | 'making' | 'made' | 'not-needed' | 'no-ffmpeg' | 'failed';

export interface LinksTable {
  id: string;
  recording_id: string;
  token_hash: string;
  key_id: string;
  phone_masked: string;
  sent_at: Timestamp;
  issued_by: string;
  reason: string;
  failed_attempts: Generated<number>;
  /** NINO checks under way: reserved before argon2 weighs a guess, so the lock cannot be outrun. */
  attempts_in_flight: Generated<number>;
  /** When the latest attempt was reserved; reservations a minute older were lost with their instance. */
  attempts_reserved_at: Timestamp | null;
  locked_at: Timestamp | null;
  first_download_at: Timestamp | null;
  download_count: Generated<number>;
  revoked_at: Timestamp | null;
  revoked_reason: string | null;
  /** Moved on by a staff unlock: sessions carry the generation they were issued in, and older ones open nothing. */
  session_generation: Generated<number>;
}

export interface RedeemedGrantsTable {
  grant_id: string;
  link_id: string;
  redeemed_at: Timestamp;
}

export interface AuditEventsTable {
  id: Generated<number>;
  at: Timestamp;
  type: string;
  actor: string;
  recording_id: string | null;
  link_id: string | null;
  detail: string;
  prev_hash: string;
  hash: string;
}

export interface AuditChainTable {
  id: number;
  last_hash: string;
}

export interface LegalHoldsTable {
  id: string;
  recording_id: string;
  reason: string;
  placed_by: string;
  placed_at: Timestamp;
  lifted_by: string | null;
  lifted_at: Timestamp | null;
  lift_reason: string | null;
}

export interface JobLeasesTable {
  name: string;
  holder: string;
  lease_until: Timestamp;
}

export type SmsDispatchStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'superseded';

export interface SmsMessagesTable {
  id: string;
  link_id: string;
  recording_id: string;
  language: string;
  /** Number, text and link, encrypted; null once the message is settled. */
  payload_encrypted: string | null;
  encoding: string;
  segments: number;
  status: SmsDispatchStatus;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  /** While `sending`: when the claim lapses and another dispatcher may take the message over. */
  claimed_until: Timestamp | null;
  /** 1 when an earlier attempt may have reached the provider (its dispatcher stopped mid-send). */
  in_doubt: Generated<number>;
  last_error: string | null;
  provider: string | null;
  provider_message_id: string | null;
  delivery_status: string | null;
  delivery_status_at: Timestamp | null;
  created_at: Timestamp;
  sent_at: Timestamp | null;
}

export interface Database {
  recordings: RecordingsTable;
  links: LinksTable;
  redeemed_grants: RedeemedGrantsTable;
  audit_events: AuditEventsTable;
  sms_messages: SmsMessagesTable;
  audit_chain: AuditChainTable;
  legal_holds: LegalHoldsTable;
  job_leases: JobLeasesTable;
}
