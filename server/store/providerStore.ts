import type { Kysely } from 'kysely';
import type { Database } from './schema';
import type { StaffTables } from './staffSchema';

export type IdempotencyClaim =
  | { state: 'new' }
  | { state: 'replay'; statusCode: number; body: string }
  | { state: 'in-progress' }
  | { state: 'different-request' };

/**
 * Longer than a request takes: the portal stops receiving one after an hour (REQUEST_TIMEOUT_MS, for
 * a large upload on a slow line), and storing its audio gives up after S3_TIMEOUT of silence. A
 * claim this old has, in practice, no request behind it.
 */
export const IDEMPOTENCY_CLAIM_LEASE_MS = 75 * 60_000;

/**
 * Assessment providers: their API keys (only SHA-256 hashes are kept), which recordings each one
 * registered, and their Idempotency-Keys with the first response to each.
 */
export class ProviderStore {
  private readonly db: Kysely<Database & StaffTables>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<StaffTables>();
  }

  async addProvider(provider: { id: string; name: string; keyHash: string }, now: Date): Promise<void> {
    const at = now.toISOString();
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('providers').values({ id: provider.id, name: provider.name, created_at: at }).execute();
      await trx.insertInto('provider_api_keys').values({ key_hash: provider.keyHash, provider_id: provider.id, created_at: at, revoked_at: null }).execute();
    });
  }

  findProviderByName(name: string) {
    return this.db.selectFrom('providers').selectAll().where('name', '=', name).executeTakeFirst();
  }

  /** Revokes every key the provider holds; returns how many. */
  async revokeKeys(providerId: string, now: Date): Promise<number> {
    const revoked = await this.db
      .updateTable('provider_api_keys')
      .set({ revoked_at: now.toISOString() })
      .where('provider_id', '=', providerId)
      .where('revoked_at', 'is', null)
      .returning('key_hash')
      .execute();
    return revoked.length;
  }

  async providerForKey(keyHash: string): Promise<string | undefined> {
    const row = await this.db.selectFrom('provider_api_keys').select('provider_id').where('key_hash', '=', keyHash).where('revoked_at', 'is', null).executeTakeFirst();
    return row?.provider_id;
  }

  async ownsRecording(providerId: string, recordingId: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('provider_recordings')
      .select('recording_id')
      .where('recording_id', '=', recordingId)
      .where('provider_id', '=', providerId)
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Claims an Idempotency-Key in one insert: the first request with it proceeds; a repeat gets the
   * first response once there is one, or "in progress" while the first is still running. A claim
   * with no response after IDEMPOTENCY_CLAIM_LEASE_MS was abandoned (its instance stopped mid-request)
   * and is taken over by one of the requests that find it, so the key is not blocked for ever.
   */
  async claimIdempotencyKey(providerId: string, key: string, fingerprint: string, now: Date): Promise<IdempotencyClaim> {
    const inserted = await this.db
      .insertInto('idempotency_keys')
      .values({ provider_id: providerId, key, request_fingerprint: fingerprint, status_code: null, response_body: null, created_at: now.toISOString() })
      .onConflict((oc) => oc.columns(['provider_id', 'key']).doNothing())
      .returning('key')
      .executeTakeFirst();
    if (inserted) return { state: 'new' };
    const existing = await this.db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('provider_id', '=', providerId)
      .where('key', '=', key)
      .executeTakeFirst();
    if (!existing) return this.claimIdempotencyKey(providerId, key, fingerprint, now);
    if (existing.request_fingerprint !== fingerprint) return { state: 'different-request' };
    if (existing.status_code === null || existing.response_body === null) {
      const abandoned = Date.parse(existing.created_at) + IDEMPOTENCY_CLAIM_LEASE_MS <= now.getTime();
      if (!abandoned) return { state: 'in-progress' };
      const taken = await this.db
        .updateTable('idempotency_keys')
        .set({ created_at: now.toISOString() })
        .where('provider_id', '=', providerId)
        .where('key', '=', key)
        .where('status_code', 'is', null)
        .where('created_at', '=', existing.created_at)
        .returning('key')
        .executeTakeFirst();
      return taken ? { state: 'new' } : { state: 'in-progress' };
    }
    return { state: 'replay', statusCode: existing.status_code, body: existing.response_body };
  }

  async completeIdempotencyKey(providerId: string, key: string, statusCode: number, body: string): Promise<void> {
    await this.db.updateTable('idempotency_keys').set({ status_code: statusCode, response_body: body }).where('provider_id', '=', providerId).where('key', '=', key).execute();
  }

  /** Forgets a key whose request failed on our side, so the provider can retry with it. */
  async releaseIdempotencyKey(providerId: string, key: string): Promise<void> {
    await this.db.deleteFrom('idempotency_keys').where('provider_id', '=', providerId).where('key', '=', key).where('status_code', 'is', null).execute();
  }
}
