import type { Browser, BrowserContext, BrowserContextOptions } from 'playwright-core';
import { CLAIMANT } from '../../../scripts/support/testPortal';
import { DEVICES, launchChromium } from './chromium';
import { startLivePortal, type LivePortal } from './livePortal';
import { enterNino } from './pages';

/**
 * One Chromium and one live portal for a describe block (opened before its tests, closed after), and
 * a claimant signed in on a phone-sized page at a texted link's address.
 */
export function phoneSessions() {
  let browser: Browser;
  let portal: LivePortal;
  const contexts: BrowserContext[] = [];
  beforeAll(async () => {
    browser = await launchChromium();
    portal = await startLivePortal();
  });
  afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await portal.close();
    await browser.close();
  });

  return {
    portal: () => portal,
    async signedIn(url: string, options: BrowserContextOptions = {}) {
      const context = await browser.newContext({ ...DEVICES.phone, ...options });
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(url);
      await enterNino(page, CLAIMANT.nino);
      return { page, context };
    },
  };
}
