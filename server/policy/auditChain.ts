import { sha256Hex } from '../sha256Hex';

/** The hash the first event chains from. */
export const GENESIS_HASH = '0'.repeat(64);

export interface ChainedEvent {
  at: string;
  type: string;
  actor: string;
  recording_id: string | null;
  link_id: string | null;
  detail: string;
}

/**
 * Each audit event's hash covers its content and the previous event's hash, so editing, deleting,
 * inserting or reordering any event breaks every link of the chain from that event on.
 */
export function chainHash(previousHash: string, event: ChainedEvent): string {
  const content = JSON.stringify([previousHash, event.at, event.type, event.actor, event.recording_id, event.link_id, event.detail]);
  return sha256Hex(content);
}

export type ChainCheck = { intact: true; events: number } | { intact: false; events: number; brokenAt: number; reason: 'previous hash does not match' | 'content does not match its hash' };

/** Walks events in id order and names the first one whose link to the chain is broken. */
export function verifyChain(events: Iterable<ChainedEvent & { id: number; prev_hash: string | null; hash: string | null }>): ChainCheck {
  let previous = GENESIS_HASH;
  let count = 0;
  for (const event of events) {
    count++;
    if (event.prev_hash !== previous) return { intact: false, events: count, brokenAt: event.id, reason: 'previous hash does not match' };
    if (event.hash !== chainHash(previous, event)) return { intact: false, events: count, brokenAt: event.id, reason: 'content does not match its hash' };
    previous = event.hash;
  }
  return { intact: true, events: count };
}
