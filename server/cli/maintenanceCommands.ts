import { writeFile } from 'node:fs/promises';
import { exportAuditLog, verifyAuditLog } from '../services/auditLog';
import { rotateFieldKeys } from '../services/keyRotation';
import { retentionSweep } from '../services/retention';
import { connectDatabase, migrateToLatest } from '../store/database';
import { optionalDate, positiveInteger, required, type Command } from './command';

/** The schema, retention, keys and the audit log: what an operator runs to keep the portal in order. */
export const MAINTENANCE_COMMANDS: Record<string, Command> = {
  'db migrate': {
    options: {},
    async run({ config }) {
      const database = connectDatabase(config.database);
      try {
        const results = await migrateToLatest(database);
        return { database: database.dialect, applied: results.map((result) => result.migrationName) };
      } finally {
        await database.db.destroy();
      }
    },
  },
  'retention sweep': {
    options: { 'dry-run': { type: 'boolean' } },
    async run(context, values) {
      const report = await retentionSweep((await context.portal()).deps, { dryRun: values['dry-run'] === true, actor: 'operator-cli' });
      if (report.refused.length > 0) context.fail();
      return report;
    },
  },
  'keys rotate': {
    options: { batch: { type: 'string' }, 'max-batches': { type: 'string' } },
    async run(context, values) {
      return rotateFieldKeys((await context.portal()).deps, {
        batchSize: positiveInteger(values, 'batch') ?? 500,
        maxBatches: positiveInteger(values, 'max-batches'),
        actor: 'operator-cli',
      });
    },
  },
  'audit verify': {
    options: {},
    async run(context) {
      const check = await verifyAuditLog((await context.portal()).deps.audit);
      if (!check.intact) context.fail();
      return check;
    },
  },
  'audit export': {
    options: { from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' } },
    async run(context, values) {
      const range = { from: optionalDate(values, 'from'), to: optionalDate(values, 'to') };
      const lines = await exportAuditLog((await context.portal()).deps.audit, range);
      const out = required(values, 'out');
      await writeFile(out, lines.length ? `${lines.join('\n')}\n` : '', { mode: 0o600 });
      return { file: out, events: lines.length };
    },
  },
};
