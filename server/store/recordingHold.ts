import type { Transaction } from 'kysely';
import type { Database } from './schema';
import { isPostgres } from './sqlDialect';

/** What a transaction holding a recording reads of it: the dates its availability is decided on, and the manifest to sign again from. */
const HELD_COLUMNS = ['deleted_at', 'deletion_requested_at', 'retain_until', 'manifest'] as const;

/**
 * Reads a recording and holds its row until the transaction ends, so a deletion request (or another
 * link or transcript for it) waits for this transaction. PostgreSQL: a row lock. SQLite: the
 * database's one write lock, taken by the first statement being a write (a transaction that read
 * first could not write once another connection, such as the CLI's, had written). Undefined when
 * there is no such recording.
 */
export async function holdRecording(trx: Transaction<Database>, recordingId: string) {
  if (isPostgres(trx)) return trx.selectFrom('recordings').select(HELD_COLUMNS).where('id', '=', recordingId).forUpdate().executeTakeFirst();
  return trx
    .updateTable('recordings')
    .set((eb) => ({ language: eb.ref('language') }))
    .where('id', '=', recordingId)
    .returning(HELD_COLUMNS)
    .executeTakeFirst();
}
