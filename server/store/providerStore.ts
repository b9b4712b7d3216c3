import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from './schema';
import type { StaffTables } from './staffSchema';

export type IdempotencyClaim =
  | { state: 'new' }
  | { state: 'replay'; statusCode: number; body: string }
  | { state: 'in-progress' }
  | { state: 'different-request' };

/**
 * How long a claim on an Idempotency-Key stands unless its holder renews it (the default of
 * IDEMPOTENCY_LEASE). The request holding it renews it every few seconds while it runs, so a live
 * request keeps its key however long its upload takes, and a key whose instance crashed is free for
 * the provider's retry once this has passed.
 */
export const IDEMPOTENCY_CLAIM_LEASE_MS = 30_000;

/** Claims from before leases (no lease_until) are taken as abandoned this long after they began, as then. */
const UNLEASED_CLAIM_ABANDONED_MS = 75 * 60_000;

/** Who claims a key, and for how long: a request's own name, so only it renews, completes or releases the claim. */
export interface ClaimLease {
  holder: string;
  leaseMs: number;
}

const anonymousLease = (): ClaimLease => ({ holder: randomUUID(), leaseMs: IDEMPOTENCY_CLAIM_LEASE_MS });
const isoAfter = (now: Date, ms: number) => new Date(now.getTime() + ms).toISOString();

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
   * Claims an Idempotency-Key: the first request with it proceeds; a repeat gets the first response
   * once there is one, or "in progress" while the first still holds its lease. A claim whose lease has
   * lapsed (its holder stopped renewing it: its instance crashed) is taken over by exactly one of the
   * requests that find it. Each step is one statement, so racing instances cannot both win.
   */
  async claimIdempotencyKey(providerId: string, key: string, fingerprint: string, now: Date, lease: ClaimLease = anonymousLease()): Promise<IdempotencyClaim> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const inserted = await this.db
        .insertInto('idempotency_keys')
        .values({ provider_id: providerId, key, request_fingerprint: fingerprint, status_code: null, response_body: null, created_at: now.toISOString(), holder: lease.holder, lease_until: isoAfter(now, lease.leaseMs) })
        .onConflict((oc) => oc.columns(['provider_id', 'key']).doNothing())
        .returning('key')
        .executeTakeFirst();
      if (inserted || (await this.takeOverLapsedClaim(providerId, key, fingerprint, now, lease))) return { state: 'new' };
      const existing = await this.db.selectFrom('idempotency_keys').selectAll().where('provider_id', '=', providerId).where('key', '=', key).executeTakeFirst();
      // Released between the two statements: claim it afresh.
      if (!existing) continue;
      if (existing.request_fingerprint !== fingerprint) return { state: 'different-request' };
      if (existing.status_code === null || existing.response_body === null) return { state: 'in-progress' };
      return { state: 'replay', statusCode: existing.status_code, body: existing.response_body };
    }
    return { state: 'in-progress' };
  }

  /** One conditional update: the claim is taken only if nobody holds it now, so only one racer gets it. */
  private async takeOverLapsedClaim(providerId: string, key: string, fingerprint: string, now: Date, lease: ClaimLease): Promise<boolean> {
    const at = now.toISOString();
    const taken = await this.db
      .updateTable('idempotency_keys')
      .set({ holder: lease.holder, lease_until: isoAfter(now, lease.leaseMs), created_at: at })
      .where('provider_id', '=', providerId)
      .where('key', '=', key)
      .where('request_fingerprint', '=', fingerprint)
      .where('status_code', 'is', null)
      .where((eb) =>
        eb.or([eb('lease_until', '<=', at), eb.and([eb('lease_until', 'is', null), eb('created_at', '<=', isoAfter(now, -UNLEASED_CLAIM_ABANDONED_MS))])]),
      )
      .returning('key')
      .executeTakeFirst();
    return taken !== undefined;
  }

  /** Extends the holder's claim to `until`; false when it no longer holds it (taken over, completed or released). */
  async renewIdempotencyKey(providerId: string, key: string, holder: string, until: Date): Promise<boolean> {
    const renewed = await this.db
      .updateTable('idempotency_keys')
      .set({ lease_until: until.toISOString() })
      .where('provider_id', '=', providerId)
      .where('key', '=', key)
      .where('holder', '=', holder)
      .where('status_code', 'is', null)
      .returning('key')
      .executeTakeFirst();
    return renewed !== undefined;
  }

  /** Stores the first response; a holder named must still hold the claim (one whose lease was taken over stores nothing). */
  async completeIdempotencyKey(providerId: string, key: string, statusCode: number, body: string, holder?: string): Promise<void> {
    let update = this.db.updateTable('idempotency_keys').set({ status_code: statusCode, response_body: body }).where('provider_id', '=', providerId).where('key', '=', key);
    if (holder !== undefined) update = update.where('holder', '=', holder);
    await update.execute();
  }

  /** Forgets a key whose request failed on our side, so the provider can retry with it; only its holder's, when one is named. */
  async releaseIdempotencyKey(providerId: string, key: string, holder?: string): Promise<void> {
    let release = this.db.deleteFrom('idempotency_keys').where('provider_id', '=', providerId).where('key', '=', key).where('status_code', 'is', null);
    if (holder !== undefined) release = release.where('holder', '=', holder);
    await release.execute();
  }
}
