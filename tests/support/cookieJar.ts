import { Cookie, CookieJar } from 'tough-cookie';

/**
 * The address a browser reaches the portal at. It is https, as in production, so the jar keeps and
 * sends the portal's Secure cookies although the tests speak plain http to the app; the host does
 * not matter to the app, which sees only paths.
 */
export const PORTAL_ORIGIN = 'https://recordings.example.gov.uk';

/** A response as supertest, fetch or the raw loopback client gives it. */
type AnyResponse = { headers: Headers } | { headers: Record<string, unknown> };

/** The Set-Cookie lines of a response, none as []. */
export function setCookiesOf(response: AnyResponse): string[] {
  const { headers } = response;
  if (headers instanceof Headers) return headers.getSetCookie();
  const lines = headers['set-cookie'];
  if (lines === undefined) return [];
  return Array.isArray(lines) ? lines.map(String) : [String(lines)];
}

/** `name=value` of the cookie a response set, as a browser would send it back in a hand-made request. */
export function cookieSetBy(response: AnyResponse, name: string): string | undefined {
  return setCookiesOf(response)
    .find((line) => line.startsWith(`${name}=`))
    ?.split(';')[0];
}

/**
 * A browser's cookie store (RFC 6265, by tough-cookie): a cookie goes only to the paths its Path
 * covers, an Expires in the past or Max-Age=0 deletes it, and Secure ones are kept for the https origin.
 */
export class BrowserCookieJar {
  private jar = new CookieJar();

  constructor(private readonly origin = PORTAL_ORIGIN) {}

  /** Stores what the answer to a request for `path` set (and deletes what it expired). */
  remember(path: string, response: AnyResponse): void {
    for (const line of setCookiesOf(response)) this.jar.setCookieSync(line, this.url(path));
  }

  /** The Cookie header a browser sends with a request for `path`. */
  header(path: string): string {
    return this.jar.getCookieStringSync(this.url(path));
  }

  /** The value of the cookie `name` that a request for `path` would carry. */
  value(name: string, path: string): string | undefined {
    return this.jar.getCookiesSync(this.url(path)).find((cookie) => cookie.key === name)?.value;
  }

  /** Closing the browser: session cookies go, persistent ones (such as the language) stay. */
  endSession(): void {
    const kept = this.jar.getCookiesSync(this.url('/'), { allPaths: true }).filter((cookie) => cookie.isPersistent());
    this.jar = new CookieJar();
    for (const cookie of kept) this.jar.setCookieSync(Cookie.fromJSON(cookie.toJSON())!, this.url(cookie.path ?? '/'));
  }

  private url(path: string): string {
    return new URL(path, this.origin).href;
  }
}
