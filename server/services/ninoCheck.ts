import { attemptsRemaining } from '../policy/accessWindow';
import { parseNino } from '../policy/nino';
import type { ClaimantSession } from '../security/claimantTokens';
import type { GatekeeperDeps, ResolvedLink } from './gatekeeperDeps';

export type NinoOutcome =
  | { outcome: 'invalid'; reason: 'empty' | 'format' }
  | { outcome: 'wrong'; attemptsRemaining: number }
  | { outcome: 'locked' }
  | { outcome: 'verified'; sessionJwt: string; session: ClaimantSession };

type NinoCheckDeps = Pick<GatekeeperDeps, 'config' | 'clock' | 'audit' | 'ninoAttempts' | 'ninoHasher' | 'tokens'>;

/**
 * An attempt is reserved before argon2 weighs the guess, so guesses sent at once cannot all be
 * weighed before the lock is read: once the limit is spent or in flight, the answer is "locked"
 * without a look at the NINO.
 */
export async function checkNino(deps: NinoCheckDeps, resolved: ResolvedLink, input: unknown): Promise<NinoOutcome> {
  const rules = deps.config.access;
  const parsed = parseNino(input);
  if (!parsed.ok) return { outcome: 'invalid', reason: parsed.reason };
  const { link, recording } = resolved;
  const reservation = await deps.ninoAttempts.reserveNinoAttempt(link.id, deps.clock(), rules.maxNinoAttempts);
  if (!reservation) return { outcome: 'locked' };
  let matches: boolean;
  try {
    matches = recording.nino_hash !== null && (await deps.ninoHasher.verify(recording.nino_hash, parsed.nino));
  } catch (error) {
    await deps.ninoAttempts.releaseNinoAttempt(link.id);
    throw error;
  }
  const now = deps.clock();
  if (!matches) {
    const result = await deps.ninoAttempts.recordWrongNino(link.id, now, rules.maxNinoAttempts);
    return result.locked ? { outcome: 'locked' } : { outcome: 'wrong', attemptsRemaining: attemptsRemaining(result.failedAttempts, rules) };
  }
  await deps.ninoAttempts.releaseNinoAttempt(link.id);
  await deps.audit.recordEvent(now, { type: 'nino.verified', actor: 'claimant', recordingId: recording.id, linkId: link.id });
  const { jwt, session } = await deps.tokens.issueSession(link.id, reservation.sessionGeneration, now);
  return { outcome: 'verified', sessionJwt: jwt, session };
}
