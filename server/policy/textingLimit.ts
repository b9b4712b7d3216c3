/**
 * A stolen provider key, or a slip at the console, must not flood a claimant's phone: at most this
 * many links are sent for one recording in any hour, by every route together. Staff are held to it
 * too; the refusal tells them when the next can go.
 */
export const TEXTING_LIMIT = { links: 3, periodMs: 60 * 60_000 } as const;

/**
 * When the next link for a recording may be sent, given when its earlier links were sent; undefined
 * if one may be sent now. A link sent at T counts until T + period, exclusive.
 */
export function nextLinkAllowedAt(sentAt: readonly Date[], now: Date, limit: { links: number; periodMs: number } = TEXTING_LIMIT): Date | undefined {
  const counted = sentAt
    .map((date) => date.getTime())
    .filter((time) => time > now.getTime() - limit.periodMs)
    .sort((a, b) => a - b);
  if (counted.length < limit.links) return undefined;
  return new Date(counted[counted.length - limit.links] + limit.periodMs);
}
