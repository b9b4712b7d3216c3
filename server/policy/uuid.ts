/**
 * The one shape of an id: a UUID as `randomUUID()` writes it (lowercase hex, 8-4-4-4-12). Anything
 * else in an address, a path or an audit actor is looked up nowhere.
 */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The same shape in either case, for ids people copy from another service's screens (a Notify template id). */
export const UUID_ANY_CASE = new RegExp(UUID.source, 'i');

export const isUuid = (value: string): boolean => UUID.test(value);
