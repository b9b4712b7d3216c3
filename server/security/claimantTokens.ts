import { randomUUID, webcrypto } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';

/**
 * The two short-lived signed objects a claimant's browser holds after the NINO check:
 * a session bound to one link, and one-time download grants bound to that session.
 * Each carries its purpose as the audience, so one can never be presented as the other.
 */
const ISSUER = 'assessment-recording-portal';
const SESSION_AUDIENCE = 'claimant-session';
const GRANT_AUDIENCE = 'download-grant';

export interface ClaimantSession {
  linkId: string;
  /** The link's session generation when the NINO was confirmed: a staff unlock moves it on. */
  generation: number;
  sessionId: string;
  expiresAt: Date;
}

export interface DownloadGrant {
  grantId: string;
  linkId: string;
  sessionId: string;
}

export interface ClaimantTokens {
  issueSession(linkId: string, generation: number, now: Date): Promise<{ jwt: string; session: ClaimantSession }>;
  readSession(jwt: unknown, now: Date): Promise<ClaimantSession | undefined>;
  issueGrant(session: ClaimantSession, now: Date): Promise<string>;
  readGrant(jwt: unknown, now: Date): Promise<DownloadGrant | undefined>;
}

const MAX_JWT_LENGTH = 2048;
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** The HMAC key, imported once: given raw bytes, jose imports a WebCrypto key on every sign and verify (about a third of each one's cost). */
type SigningKey = Promise<webcrypto.CryptoKey>;

async function verify(signingKey: SigningKey, jwt: unknown, audience: string, now: Date) {
  if (typeof jwt !== 'string' || jwt.length === 0 || jwt.length > MAX_JWT_LENGTH) return undefined;
  const key = await signingKey;
  try {
    const { payload } = await jwtVerify(jwt, key, {
      issuer: ISSUER,
      audience,
      algorithms: ['HS256'],
      currentDate: now,
      clockTolerance: 0,
    });
    return payload;
  } catch {
    return undefined;
  }
}

async function issueSession(signingKey: SigningKey, sessionTtlMs: number, linkId: string, generation: number, now: Date) {
  const session = { linkId, generation, sessionId: randomUUID(), expiresAt: new Date(now.getTime() + sessionTtlMs) };
  const jwt = await new SignJWT({ sid: session.sessionId, gen: generation })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(SESSION_AUDIENCE)
    .setSubject(linkId)
    .setIssuedAt(seconds(now))
    .setExpirationTime(seconds(session.expiresAt))
    .sign(await signingKey);
  return { jwt, session };
}

async function readSession(signingKey: SigningKey, jwt: unknown, now: Date): Promise<ClaimantSession | undefined> {
  const payload = await verify(signingKey, jwt, SESSION_AUDIENCE, now);
  if (!payload || typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || !Number.isInteger(payload.gen) || !payload.exp) return undefined;
  return { linkId: payload.sub, generation: payload.gen as number, sessionId: payload.sid, expiresAt: new Date(payload.exp * 1000) };
}

async function issueGrant(signingKey: SigningKey, session: ClaimantSession, now: Date): Promise<string> {
  return new SignJWT({ sid: session.sessionId })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer(ISSUER)
    .setAudience(GRANT_AUDIENCE)
    .setSubject(session.linkId)
    .setJti(randomUUID())
    .setIssuedAt(seconds(now))
    // A grant lives as long as the session it belongs to: a page left open stays usable.
    .setExpirationTime(seconds(session.expiresAt))
    .sign(await signingKey);
}

async function readGrant(signingKey: SigningKey, jwt: unknown, now: Date): Promise<DownloadGrant | undefined> {
  const payload = await verify(signingKey, jwt, GRANT_AUDIENCE, now);
  if (!payload || typeof payload.sub !== 'string' || typeof payload.sid !== 'string' || typeof payload.jti !== 'string') {
    return undefined;
  }
  return { grantId: payload.jti, linkId: payload.sub, sessionId: payload.sid };
}

export function claimantTokens(secret: Buffer, sessionTtlMs: number): ClaimantTokens {
  const signingKey: SigningKey = webcrypto.subtle.importKey('raw', secret, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
  return {
    issueSession: (linkId, generation, now) => issueSession(signingKey, sessionTtlMs, linkId, generation, now),
    readSession: (jwt, now) => readSession(signingKey, jwt, now),
    issueGrant: (session, now) => issueGrant(signingKey, session, now),
    readGrant: (jwt, now) => readGrant(signingKey, jwt, now),
  };
}
