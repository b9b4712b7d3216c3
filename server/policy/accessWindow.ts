export interface AccessRules {
  /** How long a link works after it is sent. */
  linkTtlMs: number;
  /** How long a link keeps working after its first download. */
  redownloadWindowMs: number;
  /** Wrong NINO entries that lock a link. */
  maxNinoAttempts: number;
}

export interface LinkFacts {
  sentAt: Date;
  firstDownloadAt: Date | null;
  revokedAt: Date | null;
  lockedAt: Date | null;
  recordingAvailable: boolean;
}

/** A link as it is stored (ISO dates), for turning into the facts the rule decides on. */
export interface StoredLinkDates {
  sent_at: string;
  first_download_at: string | null;
  revoked_at: string | null;
  locked_at: string | null;
}

export function linkFacts(link: StoredLinkDates, recordingAvailable: boolean): LinkFacts {
  const date = (iso: string | null) => (iso ? new Date(iso) : null);
  return { sentAt: new Date(link.sent_at), firstDownloadAt: date(link.first_download_at), revokedAt: date(link.revoked_at), lockedAt: date(link.locked_at), recordingAvailable };
}

export type LinkAccess =
  | { state: 'open'; endsAt: Date }
  | { state: 'unavailable' }
  | { state: 'replaced' }
  | { state: 'expired'; endedAt: Date }
  | { state: 'locked' };

/** The moment a link stops working: 7 days after sending, or 24 hours after the first download if sooner. */
export function linkEndsAt(link: Pick<LinkFacts, 'sentAt' | 'firstDownloadAt'>, rules: AccessRules): Date {
  const sentEnd = link.sentAt.getTime() + rules.linkTtlMs;
  if (!link.firstDownloadAt) return new Date(sentEnd);
  return new Date(Math.min(sentEnd, link.firstDownloadAt.getTime() + rules.redownloadWindowMs));
}

/**
 * Decides what a claimant holding this link may do at `now`. The end of the window is exclusive:
 * at exactly `sent + 7 days` the link has expired. The order of the checks is the order of what the
 * claimant most needs to hear: a recording that is gone cannot come back with a new link, a replaced
 * link has a newer one in their messages, and an expired or locked one needs a phone call.
 */
export function linkAccess(link: LinkFacts, now: Date, rules: AccessRules): LinkAccess {
  if (!link.recordingAvailable) return { state: 'unavailable' };
  if (link.revokedAt) return { state: 'replaced' };
  const endsAt = linkEndsAt(link, rules);
  if (now.getTime() >= endsAt.getTime()) return { state: 'expired', endedAt: endsAt };
  if (link.lockedAt) return { state: 'locked' };
  return { state: 'open', endsAt };
}

/**
 * The same window as bounds a conditional SQL statement can check at `now` (for redeeming a download
 * atomically): a link is inside it only if it was sent after `sentAfter` and, if it was downloaded
 * before, first downloaded after `firstDownloadAfter`.
 */
export function windowBounds(now: Date, rules: AccessRules): { sentAfter: Date; firstDownloadAfter: Date } {
  return { sentAfter: new Date(now.getTime() - rules.linkTtlMs), firstDownloadAfter: new Date(now.getTime() - rules.redownloadWindowMs) };
}

export function attemptsRemaining(failedAttempts: number, rules: AccessRules): number {
  return Math.max(0, rules.maxNinoAttempts - failedAttempts);
}
