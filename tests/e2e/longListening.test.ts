import type { Browser, Page } from 'playwright-core';
import { demoAudio } from '../../server/demoAudio';
import { MINUTE } from '../../scripts/support/testClock';
import { DEVICES, describeInChromium, launchChromium, screenshot } from './support/chromium';
import { startLivePortal, type LivePortal } from './support/livePortal';
import { enterNino, playInPage } from './support/pages';

// A real browser on a shared two-core machine: pages and axe can take longer than Jest's 30 s.
jest.setTimeout(60_000);

// A 60-minute assessment (8 kHz WAV, 58 MB): the player has to come back to the portal for most of it.
const AUDIO = demoAudio(60 * 60, 8_000);
const LENGTH_SECONDS = 3600;

/** Seeks the player and waits until it plays on from there. */
async function seekAndPlayOn(page: Page, to: number): Promise<number> {
  await page.evaluate((time) => {
    const player = document.querySelector<HTMLAudioElement>('[data-qa=player]')!;
    player.currentTime = time;
    return player.play();
  }, to);
  await page.waitForFunction((from) => document.querySelector<HTMLAudioElement>('[data-qa=player]')!.currentTime > from + 0.5, to, { timeout: 20_000 });
  return page.evaluate(() => document.querySelector<HTMLAudioElement>('[data-qa=player]')!.currentTime);
}

const pause = (page: Page) => page.evaluate(() => document.querySelector<HTMLAudioElement>('[data-qa=player]')!.pause());
const realSeconds = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

describeInChromium('listening to a 60-minute recording on a phone', () => {
  let browser: Browser;
  let portal: LivePortal;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser.close();
  });
  beforeEach(async () => {
    // A presigned URL would expire within the test: the player must not depend on one.
    portal = await startLivePortal({ PRESIGN_TTL: '2s', S3_TIMEOUT: '2s' });
  });
  afterEach(async () => {
    await portal.close();
  });

  async function recordingPage(): Promise<Page> {
    const { url } = await portal.recordingInLanguage('en', AUDIO);
    const context = await browser.newContext({ ...DEVICES.phone });
    const page = await context.newPage();
    await page.goto(url);
    await enterNino(page, 'AB 12 34 56 C');
    expect(await page.locator('[data-qa=recording-details]').innerText()).toContain('60 minutes');
    return page;
  }

  test('plays, pauses past the presigned lifetime, seeks near the end and to the middle, and plays on each time', async () => {
    const page = await recordingPage();
    expect(await playInPage(page)).toBeGreaterThan(0.5);
    await realSeconds(3);
    expect(await seekAndPlayOn(page, LENGTH_SECONDS - 60)).toBeGreaterThan(LENGTH_SECONDS - 59.5);
    await pause(page);
    // Paused longer than the presigned lifetime and the bucket's idle timeout: the portal is asked again.
    await realSeconds(4);
    expect(await seekAndPlayOn(page, 30 * 60)).toBeGreaterThan(30 * 60 + 0.5);
    expect(await page.evaluate(() => document.querySelector<HTMLAudioElement>('[data-qa=player]')!.duration)).toBeCloseTo(LENGTH_SECONDS, 0);
    expect(portal.requested.filter((path) => path.endsWith('/listen/original')).length).toBeGreaterThanOrEqual(3);
    await screenshot(page, 'long-listening-phone');
  });

  test('plays on after the session is renewed, and after the session ends it stops and the page says why', async () => {
    const page = await recordingPage();
    expect(await playInPage(page)).toBeGreaterThan(0.5);
    await pause(page);
    portal.clock.advance(15 * MINUTE);
    await page.click('[data-qa=stay-signed-in]');
    await page.locator('[data-qa=session-status]').filter({ hasText: 'You will stay signed in until' }).waitFor();
    // Past the first session's end, within the renewed one.
    portal.clock.advance(10 * MINUTE);
    expect(await seekAndPlayOn(page, 20 * 60)).toBeGreaterThan(20 * 60 + 0.5);

    portal.clock.advance(20 * MINUTE);
    await Promise.all([
      page.waitForURL(/\/r\/[^/]+$/, { waitUntil: 'load' }),
      page.waitForSelector('[data-qa=nino]', { timeout: 20_000 }),
      page.evaluate(() => {
        const player = document.querySelector<HTMLAudioElement>('[data-qa=player]')!;
        player.currentTime = 50 * 60;
        return player.play().catch(() => undefined);
      }),
    ]);
    expect(await page.locator('main').innerText()).toContain('For your security, you need to enter your National Insurance number again');
    await screenshot(page, 'long-listening-session-ended');
  });
});
