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

export function attemptsRemaining(failedAttempts: number, rules: AccessRules): number {
  return Math.max(0, rules.maxNinoAttempts - failedAttempts);
}
