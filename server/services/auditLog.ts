import { verifyChain, type ChainCheck } from '../policy/auditChain';
import type { AuditChain } from '../store/auditChain';

/** `audit verify`: walks the whole chain and names the first event that does not fit it. */
export async function verifyAuditLog(store: AuditChain): Promise<ChainCheck> {
  return verifyChain(await store.auditEvents());
}

/** `audit export`: the events in [from, to) as JSON lines, each with its place in the chain. */
export async function exportAuditLog(store: AuditChain, range: { from?: Date; to?: Date }): Promise<string[]> {
  const events = await store.auditEvents(range);
  return events.map((event) => JSON.stringify({ ...event, detail: JSON.parse(event.detail) }));
}
