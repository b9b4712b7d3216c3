import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { recordingAvailability, type RecordingAvailability } from '../policy/recordingAvailability';
import { nextLinkAllowedAt } from '../policy/textingLimit';
import type { AuditChain, AuditInTransaction } from './auditChain';
import { holdRecording } from './recordingHold';
import type { Database, LinksTable } from './schema';
import { queueMessage, type QueuedMessage } from './smsOutboxStore';
import type { RecordingRow } from './recordingStore';

type UnavailableReason = Extract<RecordingAvailability, { available: false }>['reason'];
export type LinkRow = Omit<LinksTable, 'failed_attempts' | 'attempts_in_flight' | 'download_count' | 'session_generation'> & {
  failed_attempts: number;
  attempts_in_flight: number;
  download_count: number;
  session_generation: number;
};

export interface NewLink {
  recordingId: string;
  tokenHash: string;
  keyId: string;
  phoneMasked: string;
  issuedBy: string;
  reason: string;
  /** A corrected number, encrypted: it becomes the number on record only if the link is issued. */
  phoneEncrypted?: string;
}

/** Why a link was not issued; nothing was changed. */
export type LinkRefusal = { refused: 'unavailable'; reason: UnavailableReason } | { refused: 'texting-limit'; nextAllowedAt: Date };

export type IssuedLink = { issued: true; link: LinkRow; messageId: string } | { issued: false; refusal: LinkRefusal };

/** Links and their downloads: issuing one (with its text and the texting limit), unlocking one and redeeming a grant are each one transaction. */
export class LinkStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly audit: AuditChain,
  ) {}

  /**
   * Issues a link and queues its text message, in one transaction that also revokes every earlier
   * link for the recording and supersedes any of their messages still waiting to be sent. The
   * recording is read and held first, so a deletion request committed before this sees the link
   * refused, and one made during it waits for it (and then supersedes its message); the texting limit
   * is counted under the same hold.
   */
  async issueLink(link: NewLink, message: QueuedMessage, now: Date): Promise<IssuedLink> {
    return this.audit.atomically(async (trx, audit) => {
      const at = now.toISOString();
      const recording = await holdRecording(trx, link.recordingId);
      if (!recording) throw new Error(`no recording ${link.recordingId}`);
      const availability = recordingAvailability(recording, now);
      if (!availability.available) return { issued: false, refusal: { refused: 'unavailable', reason: availability.reason } };
      // Counted under the recording's hold, so links asked for at once cannot all see room for one more.
      const earlier = await trx.selectFrom('links').select('sent_at').where('recording_id', '=', link.recordingId).execute();
      const nextAllowedAt = nextLinkAllowedAt(earlier.map((row) => new Date(row.sent_at)), now);
      if (nextAllowedAt) return { issued: false, refusal: { refused: 'texting-limit', nextAllowedAt } };
      if (link.phoneEncrypted !== undefined) {
        await trx.updateTable('recordings').set({ phone_encrypted: link.phoneEncrypted }).where('id', '=', link.recordingId).execute();
      }
      await replaceEarlierLinks(trx, audit, link, now);
      const row = newLinkRow(link, at);
      await trx.insertInto('links').values(row).execute();
      const messageId = await queueMessage(trx, { linkId: row.id, recordingId: row.recording_id, at }, message);
      await audit(now, { type: 'link.issued', actor: link.issuedBy, recordingId: link.recordingId, linkId: row.id, detail: { reason: link.reason } });
      return { issued: true, link: row, messageId };
    });
  }

  async findLinkByTokenHash(tokenHash: string): Promise<{ link: LinkRow; recording: RecordingRow } | undefined> {
    const link = await this.db.selectFrom('links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    if (!link) return undefined;
    const recording = await this.db.selectFrom('recordings').selectAll().where('id', '=', link.recording_id).executeTakeFirstOrThrow();
    return { link, recording };
  }

  /** The recording's links, newest first. */
  linksOf(recordingId: string) {
    return this.db.selectFrom('links').selectAll().where('recording_id', '=', recordingId).orderBy('sent_at', 'desc').orderBy('id').execute();
  }

  async findLink(id: string): Promise<LinkRow | undefined> {
    return this.db.selectFrom('links').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /**
   * Unlocks a locked link and resets its wrong-NINO count, with the staff member's audit event in
   * the same transaction. The session generation moves on, so a session issued before the unlock
   * (to whoever guessed the NINO while the link was open) opens nothing after it. A link that is not
   * locked, or has been replaced, is left unchanged.
   */
  async unlockLink(linkId: string, now: Date, actor: string, reason: string): Promise<boolean> {
    return this.audit.atomically(async (trx, audit) => {
      const unlocked = await trx
        .updateTable('links')
        .set((eb) => ({
          locked_at: null,
          failed_attempts: 0,
          attempts_in_flight: 0,
          attempts_reserved_at: null,
          session_generation: eb('session_generation', '+', 1),
        }))
        .where('id', '=', linkId)
        .where('locked_at', 'is not', null)
        .where('revoked_at', 'is', null)
        .returning('recording_id')
        .executeTakeFirst();
      if (!unlocked) return false;
      await audit(now, { type: 'link.unlocked', actor, recordingId: unlocked.recording_id, linkId, detail: { reason } });
      return true;
    });
  }

  /**
   * A claimant's "Sign out": ends every session issued under `generation` by moving the link's
   * session generation on, in one conditional statement. A session already ended (by an unlock or
   * another sign-out) moves nothing, so it can never end the sessions issued after it.
   */
  async endSessions(linkId: string, generation: number): Promise<boolean> {
    const ended = await this.db
      .updateTable('links')
      .set((eb) => ({ session_generation: eb('session_generation', '+', 1) }))
      .where('id', '=', linkId)
      .where('session_generation', '=', generation)
      .executeTakeFirst();
    return ended.numUpdatedRows > 0n;
  }

  /**
   * Redeems a one-time download grant and records the download, atomically. Returns false when the
   * grant was already used or the link stopped being usable in the meantime (revoked, locked, or its
   * window closed: `sentAfter` and `firstDownloadAfter` are the earliest send and first-download
   * times still inside it).
   */
  async redeemDownload(input: {
    grantId: string;
    linkId: string;
    now: Date;
    sentAfter: Date;
    firstDownloadAfter: Date;
    device: string;
  }): Promise<{ ok: true; firstDownloadAt: Date; downloadCount: number } | { ok: false }> {
    return this.audit.atomically(async (trx, audit) => {
      const at = input.now.toISOString();
      const redeemed = await trx
        .insertInto('redeemed_grants')
        .values({ grant_id: input.grantId, link_id: input.linkId, redeemed_at: at })
        .onConflict((oc) => oc.column('grant_id').doNothing())
        .returning('grant_id')
        .executeTakeFirst();
      if (!redeemed) return { ok: false };
      const link = await trx
        .updateTable('links')
        .set((eb) => ({
          first_download_at: eb.fn.coalesce('first_download_at', eb.val(at)),
          download_count: eb('download_count', '+', 1),
        }))
        .where('id', '=', input.linkId)
        .where('revoked_at', 'is', null)
        .where('locked_at', 'is', null)
        .where('sent_at', '>', input.sentAfter.toISOString())
        .where((eb) => eb.or([eb('first_download_at', 'is', null), eb('first_download_at', '>', input.firstDownloadAfter.toISOString())]))
        .returning(['recording_id', 'first_download_at', 'download_count'])
        .executeTakeFirst();
      if (!link || !link.first_download_at) return { ok: false };
      await audit(input.now, {
        type: 'recording.downloaded',
        actor: 'claimant',
        recordingId: link.recording_id,
        linkId: input.linkId,
        detail: { download: link.download_count, device: input.device },
      });
      return { ok: true, firstDownloadAt: new Date(link.first_download_at), downloadCount: link.download_count };
    });
  }
}

/** Supersedes the recording's texts still waiting and revokes its earlier links, in the new link's transaction. */
async function replaceEarlierLinks(trx: Transaction<Database>, audit: AuditInTransaction, link: NewLink, now: Date): Promise<void> {
  await trx
    .updateTable('sms_messages')
    .set({ status: 'superseded', payload_encrypted: null })
    .where('recording_id', '=', link.recordingId)
    .where('status', '=', 'pending')
    .execute();
  const revoked = await trx
    .updateTable('links')
    .set({ revoked_at: now.toISOString(), revoked_reason: 'replaced by a newer link' })
    .where('recording_id', '=', link.recordingId)
    .where('revoked_at', 'is', null)
    .returning('id')
    .execute();
  for (const { id } of revoked) {
    await audit(now, { type: 'link.revoked', actor: link.issuedBy, recordingId: link.recordingId, linkId: id, detail: { reason: 'replaced' } });
  }
}

function newLinkRow(link: NewLink, at: string): LinkRow {
  return {
    id: randomUUID(),
    recording_id: link.recordingId,
    token_hash: link.tokenHash,
    key_id: link.keyId,
    phone_masked: link.phoneMasked,
    sent_at: at,
    issued_by: link.issuedBy,
    reason: link.reason,
    failed_attempts: 0,
    attempts_in_flight: 0,
    attempts_reserved_at: null,
    locked_at: null,
    first_download_at: null,
    download_count: 0,
    revoked_at: null,
    revoked_reason: null,
    session_generation: 0,
  };
}
