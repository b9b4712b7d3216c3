import type { Express } from 'express';
import type { BrowserCookieJar } from './cookieJar';
import { grantOf } from './grants';
import { PortalBrowser } from './portalBrowser';

const PHONE_USER_AGENT = 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) Mobile/15E148';

/** What a claimant's browser (a phone's) does over the real HTTP interface: follows the journey and presses the download button. */
export class ClaimantBrowser extends PortalBrowser {
  constructor(app: Express, cookies?: BrowserCookieJar) {
    super(app, cookies, PHONE_USER_AGENT);
  }

  async enterNino(linkPath: string, nino: string) {
    return this.post(linkPath, { nino });
  }

  /** Opens the recording page and presses its download button; returns the portal's answer. */
  async download(linkPath: string) {
    const grant = grantOf(await this.get(linkPath));
    return this.post(`${linkPath}/download`, { grant });
  }
}
