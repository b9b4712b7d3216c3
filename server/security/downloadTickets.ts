import { createHmac } from 'node:crypto';
import { SignJWT, jwtVerify } from 'jose';

/**
 * The address a download is served from once its one-time grant is spent: a signed ticket naming the
 * link and the grant. It can *start* a transfer only briefly (like a presigned URL), and *resume* one
 * (a Range with If-Range naming the ticket's ETag, which only the first response told the browser)
 * for longer, so a phone that lost signal carries on without a new grant or a new 24-hour window.
 */
export interface DownloadTicket {
  grantId: string;
  linkId: string;
  /** Until this moment any request may fetch the file; after it, only a resumption. */
  startBy: Date;
  /** Which file the grant was spent on: the original, or the smaller listening copy made for phones. */
  file: DownloadFile;
}

export type DownloadFile = 'original' | 'listening';

export interface DownloadTicketLifetimes {
  startTtlMs: number;
  resumeWindowMs: number;
}

const ISSUER = 'assessment-recording-portal';
const AUDIENCE = 'download-ticket';
const MAX_TICKET_LENGTH = 1024;
const seconds = (date: Date) => Math.floor(date.getTime() / 1000);

export function downloadTickets(secret: Buffer, lifetimes: DownloadTicketLifetimes) {
  // A key of its own, derived from the session secret, so that no other token's signature can ever be a ticket's.
  const key = createHmac('sha256', secret).update('download-ticket signing key').digest();
  const etagKey = createHmac('sha256', secret).update('download-ticket etag key').digest();

  return {
    lifetimes,

    issue(grant: { grantId: string; linkId: string; file: DownloadFile }, now: Date): Promise<string> {
      // The time to start is kept to the millisecond (`iat` has whole seconds): it is only a minute long.
      // A ticket for the original names no file, as tickets did before there were listening copies.
      return new SignJWT({ sb: now.getTime() + lifetimes.startTtlMs, ...(grant.file === 'listening' ? { f: 'listening' } : {}) })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(ISSUER)
        .setAudience(AUDIENCE)
        .setSubject(grant.linkId)
        .setJti(grant.grantId)
        .setIssuedAt(seconds(now))
        .setExpirationTime(seconds(now) + Math.floor(lifetimes.resumeWindowMs / 1000))
        .sign(key);
    },

    /** The ticket, while it can still start or resume a transfer at `now`. */
    async read(jwt: unknown, now: Date): Promise<DownloadTicket | undefined> {
      if (typeof jwt !== 'string' || jwt.length === 0 || jwt.length > MAX_TICKET_LENGTH) return undefined;
      try {
        const { payload } = await jwtVerify(jwt, key, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'], currentDate: now, clockTolerance: 0 });
        if (typeof payload.sub !== 'string' || typeof payload.jti !== 'string' || typeof payload.sb !== 'number') return undefined;
        if (payload.f !== undefined && payload.f !== 'listening') return undefined;
        return { grantId: payload.jti, linkId: payload.sub, startBy: new Date(payload.sb), file: payload.f === 'listening' ? 'listening' : 'original' };
      } catch {
        return undefined;
      }
    },

    /**
     * A strong validator for this ticket's file. Keyed, so that someone holding only the address cannot
     * make up the If-Range a resumption needs.
     */
    etagOf: (ticket: DownloadTicket) => `"${createHmac('sha256', etagKey).update(ticket.grantId).digest('base64url').slice(0, 27)}"`,
  };
}

export type DownloadTickets = ReturnType<typeof downloadTickets>;
