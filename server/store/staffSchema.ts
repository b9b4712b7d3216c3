import type { Generated } from 'kysely';

/** The staff console's and the provider API's tables (migration 0003_staff_console). */
export interface StaffAccountsTable {
  id: string;
  email: string;
  role: string;
  password_hash: string;
  totp_secret_encrypted: string;
  last_totp_step: number | null;
  /** Failed sign-ins from anywhere since `hour_started_at` (migration 0007_staff_signin). */
  hour_failures: Generated<number>;
  hour_started_at: string | null;
  created_at: string;
}

/** Failed sign-ins in a row from one address to one account, and when they locked it there (0007_staff_signin). */
export interface StaffSigninFailuresTable {
  staff_id: string;
  address: string;
  failures: number;
  locked_at: string | null;
  last_failed_at: string;
}

export interface StaffSessionsTable {
  id: string;
  staff_id: string;
  created_at: string;
  last_seen_at: string;
  ended_at: string | null;
}

export interface ProvidersTable {
  id: string;
  name: string;
  created_at: string;
}

export interface ProviderApiKeysTable {
  key_hash: string;
  provider_id: string;
  created_at: string;
  revoked_at: string | null;
}

export interface ProviderRecordingsTable {
  recording_id: string;
  provider_id: string;
}

export interface IdempotencyKeysTable {
  provider_id: string;
  key: string;
  request_fingerprint: string;
  status_code: number | null;
  response_body: string | null;
  created_at: string;
  /** Which request holds the claim while it runs (null on rows from before leases). */
  holder: string | null;
  /** Until when the holder's claim stands unless renewed (null on rows from before leases). */
  lease_until: string | null;
}

export type StaffTables = {
  staff_accounts: StaffAccountsTable;
  staff_sessions: StaffSessionsTable;
  staff_signin_failures: StaffSigninFailuresTable;
  providers: ProvidersTable;
  provider_api_keys: ProviderApiKeysTable;
  provider_recordings: ProviderRecordingsTable;
  idempotency_keys: IdempotencyKeysTable;
};
