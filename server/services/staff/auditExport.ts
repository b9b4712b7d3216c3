import { InputError } from '../inputError';
import { exportAuditLog } from '../auditLog';
import type { StaffMember } from './staffCredentials';
import { parseCalendarDay } from '../../policy/staffPolicy';
import type { ConsoleDeps } from './staffRecords';

const DAY_MS = 86_400_000;
/**
 * The most days one export from the console covers. The export is built in memory and sent as one
 * file, so its size is bounded by the period; longer periods go through `npm run portal -- audit
 * export`, which writes a file of any length.
 */
export const AUDIT_EXPORT_MAX_DAYS = 31;

export function staffAuditExport(deps: Pick<ConsoleDeps, 'clock' | 'audit'>) {
  return {
    /** Auditors only (the route checks): the audit events of a period, as JSON lines; the export is itself audited. */
    async exportAudit(staff: StaffMember, input: { from: unknown; to: unknown }): Promise<{ fileName: string; lines: string[] }> {
      const day = (value: unknown, field: string) => {
        const date = parseCalendarDay(value);
        if (!date) throw new InputError(field, 'Enter a real date, for example 2026-11-23');
        return date;
      };
      const from = day(input.from, 'from');
      const to = new Date(day(input.to, 'to').getTime() + DAY_MS);
      if (to <= from) throw new InputError('to', 'The end date must be the same as or after the start date');
      if (to.getTime() - from.getTime() > AUDIT_EXPORT_MAX_DAYS * DAY_MS) {
        throw new InputError('to', `Export at most ${AUDIT_EXPORT_MAX_DAYS} days at a time; for a longer period ask an operator to run "audit export"`);
      }
      const lines = await exportAuditLog(deps.audit, { from, to });
      await deps.audit.recordEvent(deps.clock(), { type: 'staff.audit-exported', actor: staff.id, detail: { from: input.from as string, to: input.to as string, events: lines.length } });
      return { fileName: `audit-${input.from as string}-to-${input.to as string}.jsonl`, lines };
    },
  };
}

export type StaffAuditExport = ReturnType<typeof staffAuditExport>;
