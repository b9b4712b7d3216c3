import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { demoAudio } from '../../server/demoAudio';
import { sha256 } from '../../scripts/support/testPortal';
import { checkPage, DEVICES, describeInChromium, launchChromium } from './support/chromium';
import { startLivePortal, type LivePortal } from './support/livePortal';

// A real browser on a shared two-core machine: pages and axe can take longer than Jest's 30 s.
jest.setTimeout(60_000);

describeInChromium('checking a copy at /verify in Chromium', () => {
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

  test.each([
    ['en', 'phone', 'This is a genuine recording', 'No genuine recording matches this file'],
    ['cy', 'desktop', 'Mae hwn yn recordiad dilys', 'Nid oes recordiad dilys yn cyfateb i’r ffeil hon'],
  ] as const)('in %s on a %s, the page hashes the chosen file on the device and answers', async (language, device, genuine, notGenuine) => {
    const audio = demoAudio(2);
    await portal.recordingInLanguage('en', audio);
    const original = path.join(portal.dataDir, `copy-${language}.wav`);
    const altered = path.join(portal.dataDir, `altered-${language}.wav`);
    writeFileSync(original, audio);
    const changed = Buffer.from(audio);
    changed[changed.length - 1] ^= 1;
    writeFileSync(altered, changed);

    const context = await browser.newContext(DEVICES[device]);
    const page = await context.newPage();
    await page.goto(`${portal.origin}/verify?lang=${language}`);
    await checkPage(page, `verify-${language}-${device}`);

    const uploads: string[] = [];
    page.on('request', (request) => {
      if (request.method() !== 'GET' || (request.postData() ?? '').length > 0) uploads.push(request.url());
    });
    await Promise.all([page.waitForURL(`**/verify?sha256=${sha256(audio)}`), page.setInputFiles('#file', original)]);
    expect(await page.locator('.govuk-panel__title').innerText()).toBe(genuine);
    await checkPage(page, `verify-genuine-${language}-${device}`);

    await Promise.all([page.waitForURL(`**/verify?sha256=${sha256(changed)}`), page.setInputFiles('#file', altered)]);
    expect(await page.locator('h1').innerText()).toBe(notGenuine);
    await checkPage(page, `verify-not-genuine-${language}-${device}`);
    expect(uploads).toEqual([]);
    await context.close();
  });
});
