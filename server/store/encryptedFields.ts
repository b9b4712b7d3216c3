import type { Kysely } from 'kysely';
import type { Database } from './schema';

/** Every column that holds a value sealed by the field cipher, with the key that identifies its row. */
export const ENCRYPTED_COLUMNS = [
  { table: 'recordings', column: 'phone_encrypted', field: 'recordings.phone' },
  { table: 'sms_messages', column: 'payload_encrypted', field: 'sms_messages.payload' },
] as const;

export type EncryptedColumn = (typeof ENCRYPTED_COLUMNS)[number];

/** Reads and rewrites sealed values for key rotation, a batch at a time, each row conditionally. */
export class EncryptedFieldsStore {
  constructor(private readonly db: Kysely<Database>) {}

  /** Rows whose value was sealed with a key other than `currentKeyId` (format `v1.<keyId>.…`). */
  async sealedWithOtherKeys(target: EncryptedColumn, currentKeyId: string, limit: number): Promise<Array<{ id: string; sealed: string }>> {
    const rows = await this.db
      .selectFrom(target.table)
      .select(['id', `${target.column} as sealed`])
      .where(target.column, 'is not', null)
      .where(target.column, 'not like', `v1.${currentKeyId}.%`)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows as Array<{ id: string; sealed: string }>;
  }

  async countSealedWithOtherKeys(target: EncryptedColumn, currentKeyId: string): Promise<number> {
    const row = await this.db
      .selectFrom(target.table)
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where(target.column, 'is not', null)
      .where(target.column, 'not like', `v1.${currentKeyId}.%`)
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  /** Replaces a sealed value only if it is still the one that was read (a concurrent change wins). */
  async replace(target: EncryptedColumn, id: string, previous: string, next: string): Promise<boolean> {
    const result = await this.db
      .updateTable(target.table)
      .set({ [target.column]: next } as never)
      .where('id', '=', id)
      .where(target.column, '=', previous)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) === 1;
  }
}
