import type { PortalDeps } from '../deps';
import { ENCRYPTED_COLUMNS } from '../store/encryptedFields';

export interface RotationReport {
  keyId: string;
  reencrypted: number;
  /** Values still sealed with an older key: 0 when the rotation is complete. */
  remaining: number;
}

/**
 * `keys rotate`: re-encrypts every personal field to the newest key (the first in
 * FIELD_ENCRYPTION_KEYS). It works in committed batches and only touches values sealed with another
 * key, so an interrupted run simply resumes where it stopped when run again.
 */
export async function rotateFieldKeys(
  deps: Pick<PortalDeps, 'config' | 'audit' | 'encryptedFields' | 'cipher' | 'clock'>,
  options: { batchSize: number; maxBatches?: number; actor: string },
): Promise<RotationReport> {
  const keys = deps.config.secrets.fieldKeys;
  const { cipher, encryptedFields: fields } = deps;
  let reencrypted = 0;
  let batches = 0;
  for (const target of ENCRYPTED_COLUMNS) {
    for (;;) {
      if (options.maxBatches !== undefined && batches >= options.maxBatches) break;
      const rows = await fields.sealedWithOtherKeys(target, keys.current.id, options.batchSize);
      if (rows.length === 0) break;
      batches++;
      for (const row of rows) {
        const resealed = cipher.encrypt(target.field, cipher.decrypt(target.field, row.sealed));
        if (await fields.replace(target, row.id, row.sealed, resealed)) reencrypted++;
      }
    }
  }
  let remaining = 0;
  for (const target of ENCRYPTED_COLUMNS) remaining += await fields.countSealedWithOtherKeys(target, keys.current.id);
  await deps.audit.recordEvent(deps.clock(), { type: 'keys.rotated', actor: options.actor, detail: { keyId: keys.current.id, reencrypted, remaining } });
  return { keyId: keys.current.id, reencrypted, remaining };
}
