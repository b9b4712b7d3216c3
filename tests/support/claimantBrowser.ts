import type { Express } from 'express';
import request from 'supertest';

/**
 * What a claimant's browser does, over the real HTTP interface: keeps its cookies (including Secure
 * ones, which a browser sends to https and supertest would drop over loopback http), follows the
 * journey, and reads the hidden download grant off the recording page.
 */
export class ClaimantBrowser {
  private cookies = new Map<string, string>();

  constructor(
    private readonly app: Express,
    readonly userAgent = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148',
  ) {}

  private remember(response: request.Response) {
    const setCookies = response.headers['set-cookie'] as unknown as string[] | undefined;
    for (const header of setCookies ?? []) {
      const [pair] = header.split(';');
      const [name, ...value] = pair.split('=');
      this.cookies.set(name.trim(), value.join('='));
    }
    return response;
  }

  private cookieHeader() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  /** A new browser session: session cookies are gone. */
  restart() {
    this.cookies.clear();
  }

  async get(path: string) {
    return this.remember(await request(this.app).get(path).set('User-Agent', this.userAgent).set('Cookie', this.cookieHeader()));
  }

  /** A GET whose body is kept as bytes (audio), with extra headers such as Range or If-Range. */
  async getBytes(path: string, headers: Record<string, string> = {}) {
    let call = request(this.app).get(path).set('User-Agent', this.userAgent).set('Cookie', this.cookieHeader());
    for (const [name, value] of Object.entries(headers)) call = call.set(name, value);
    const response = await call.buffer(true).parse(collectBytes);
    return Object.assign(this.remember(response), { bytes: response.body as Buffer });
  }

  async post(path: string, form: Record<string, string> | string) {
    return this.remember(
      await request(this.app).post(path).type('form').set('User-Agent', this.userAgent).set('Cookie', this.cookieHeader()).send(form),
    );
  }

  async enterNino(linkPath: string, nino: string) {
    return this.post(linkPath, { nino });
  }

  /** Opens the recording page and presses its download button; returns the portal's answer. */
  async download(linkPath: string) {
    const page = await this.get(linkPath);
    const grant = grantOf(page.text);
    if (!grant) throw new Error(`no download button on the page (status ${page.status})`);
    return this.post(`${linkPath}/download`, { grant });
  }
}

/** A supertest parser that keeps any body as bytes. */
export function collectBytes(res: request.Response, done: (error: Error | null, body: Buffer) => void) {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () => done(null, Buffer.concat(chunks)));
}

export function grantOf(html: string): string | undefined {
  return /name="grant" value="([^"]+)"/.exec(html)?.[1];
}
