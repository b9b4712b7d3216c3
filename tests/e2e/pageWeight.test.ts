import type { Browser, Page } from 'playwright-core';
import { CLAIMANT } from '../support/testPortal';
import { DEVICES, describeInChromium, launchChromium } from '../support/e2e/chromium';
import { startLivePortal, type LivePortal } from '../support/e2e/livePortal';

jest.setTimeout(60_000);

async function enterNino(page: Page, nino: string) {
  await page.fill('[data-qa=nino]', nino);
  await Promise.all([page.waitForNavigation(), page.click('[data-qa=continue]')]);
}

/**
 * Chromium only: the sizes that crossed the network come from the DevTools protocol (Playwright's
 * request.sizes()); Firefox over BiDi and WebKit over WebDriver report none. The weight is the server's
 * and the same in every engine.
 */
describeInChromium('page weight on a phone, in Chromium', () => {
  let browser: Browser;
  let portal: LivePortal;
  beforeAll(async () => {
    browser = await launchChromium();
    portal = await startLivePortal();
  });
  afterAll(async () => {
    await portal?.close();
    await browser?.close();
  });
  const newPage = async () => (await browser.newContext({ ...DEVICES.phone })).newPage();

  test('on a phone, each page transfers under 150 KB before the audio: assets are compressed and cached by content hash', async () => {
    const { url } = await portal.recordingInLanguage('en');
    const page = await newPage();
    const transfers: { path: string; bytes: number; encoding?: string; cacheControl?: string }[] = [];
    page.on('requestfinished', async (request) => {
      if (request.resourceType() === 'media' || !request.url().startsWith(portal.origin)) return;
      const [sizes, headers] = await Promise.all([request.sizes(), request.response().then((r) => r?.allHeaders())]);
      // A response from the browser's cache reports no size: nothing crossed the network.
      transfers.push({ path: new URL(request.url()).pathname, bytes: Math.max(0, sizes.responseBodySize), encoding: headers?.['content-encoding'], cacheControl: headers?.['cache-control'] });
    });
    const settle = async () => {
      await page.waitForLoadState('networkidle');
      await page.evaluate(() => document.fonts.ready.then(() => undefined));
      return transfers.splice(0);
    };
    const kilobytes = (loaded: { bytes: number }[]) => loaded.reduce((sum, t) => sum + t.bytes, 0) / 1024;

    portal.requested.length = 0;
    await page.goto(url);
    const first = await settle();
    expect(kilobytes(first)).toBeLessThan(150);
    const assets = first.filter((t) => t.path.startsWith('/immutable/'));
    expect(assets.map((t) => t.path)).toEqual(
      expect.arrayContaining([expect.stringMatching(/\/govuk-frontend\.min\.css$/), expect.stringMatching(/\/govuk-frontend\.min\.js$/), expect.stringMatching(/\.woff2$/)]),
    );
    for (const asset of assets) expect(asset.cacheControl).toBe('public, max-age=31536000, immutable');
    for (const text of [first[0], ...assets.filter((t) => /\.(css|m?js|svg)$/.test(t.path))]) expect({ path: text.path, encoding: text.encoding }).toEqual({ path: text.path, encoding: 'br' });
    const fetchedByFirstPage = portal.requested.splice(0);

    await enterNino(page, CLAIMANT.nino);
    const second = await settle();
    expect(kilobytes(second)).toBeLessThan(150);
    // The next page fetches none of those assets again: the browser keeps them.
    const fetchedAgain = portal.requested.filter((path) => fetchedByFirstPage.includes(path) && path.startsWith('/immutable/'));
    expect(fetchedAgain).toEqual([]);
    expect(portal.requested.some((path) => /\/listen(\/|$)/.test(path))).toBe(false);
    console.log(`Page weight on a phone before the audio: enter NINO ${kilobytes(first).toFixed(1)} KB, recording ${kilobytes(second).toFixed(1)} KB`);
  });

});
