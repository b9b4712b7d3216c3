/** A set of secrets identified by short ids; the first is used to sign or encrypt, all are accepted. */
export interface KeyRing {
  current: { id: string; secret: Buffer };
  byId: ReadonlyMap<string, Buffer>;
}

export const KEY_ID_PATTERN = /^[a-z0-9]{1,8}$/;

export function keyRing(entries: ReadonlyArray<{ id: string; secret: Buffer }>): KeyRing {
  if (entries.length === 0) throw new Error('a key ring needs at least one key');
  return { current: entries[0], byId: new Map(entries.map((e) => [e.id, e.secret])) };
}
