import type { Express } from 'express';
import request from 'supertest';
import { BrowserCookieJar } from './cookieJar';

/**
 * A browser over the portal's real HTTP interface (supertest, in process): it keeps cookies as a
 * browser does, sends each where its Path allows, and remembers the last HTML page it was given.
 * Claimants and staff use their own kinds of it (ClaimantBrowser, StaffBrowser).
 */
export class PortalBrowser {
  lastPage = '';
  private lastPath = '/';

  /** Two browsers given one jar are one browser reaching two instances of the portal (behind a load balancer). */
  constructor(
    protected readonly app: Express,
    readonly cookies = new BrowserCookieJar(),
    private readonly userAgent?: string,
  ) {}

  /** The Cookie header this browser sends with a request for `path` (by default, the path it last asked for). */
  cookieHeader(path = this.lastPath): string {
    return this.cookies.header(path);
  }

  /** A new browser session, as when the browser is closed and opened again. */
  restart(): void {
    this.cookies.endSession();
  }

  async get(path: string, headers: Record<string, string> = {}) {
    return this.send(path, request(this.app).get(path), headers);
  }

  /** A GET whose body is kept as bytes (audio), with extra headers such as Range or If-Range. */
  async getBytes(path: string, headers: Record<string, string> = {}) {
    const response = await this.send(path, request(this.app).get(path).buffer(true).parse(collectBytes), headers);
    return Object.assign(response, { bytes: response.body as Buffer });
  }

  async post(path: string, form: Record<string, string> | string) {
    return this.send(path, request(this.app).post(path).type('form').send(form));
  }

  private async send(path: string, call: request.Test, headers: Record<string, string> = {}) {
    this.lastPath = path;
    call.set('Cookie', this.cookies.header(path));
    if (this.userAgent) call.set('User-Agent', this.userAgent);
    for (const [name, value] of Object.entries(headers)) call.set(name, value);
    const response = await call;
    this.cookies.remember(path, response);
    if (response.type === 'text/html') this.lastPage = response.text;
    return response;
  }
}

/** A supertest parser that keeps any body as bytes. */
export function collectBytes(res: request.Response, done: (error: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}
