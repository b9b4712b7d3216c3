import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { demoAudio } from '../../server/demoAudio';
import { sha256 } from '../../scripts/support/testPortal';
import { checkPage, describeInChromium, screenshot } from './support/chromium';
import { playInPage } from './support/pages';
import { phoneSessions } from './support/phoneSession';

// A 60-minute assessment (8 kHz WAV): long enough that finding a part of it by dragging is hopeless.
const AUDIO = demoAudio(60 * 60, 8_000);
const FINGERPRINT = sha256(AUDIO);
const NOTE = 'I said I cannot cook a meal';
const EDITED_NOTE = 'I said I cannot cook a meal without help';

const player = '[data-qa=player]';
const currentTime = (page: Page) => page.evaluate((s) => document.querySelector<HTMLAudioElement>(s)!.currentTime, player);
const playbackRate = (page: Page) => page.evaluate((s) => document.querySelector<HTMLAudioElement>(s)!.playbackRate, player);
const isPaused = (page: Page) => page.evaluate((s) => document.querySelector<HTMLAudioElement>(s)!.paused, player);
const pause = (page: Page) => page.evaluate((s) => document.querySelector<HTMLAudioElement>(s)!.pause(), player);
/** What a screen reader reads, visually hidden words included, on one line. */
const words = async (page: Page, selector: string) => ((await page.locator(selector).textContent()) ?? '').replace(/\s+/g, ' ').trim();
const status = (page: Page) => page.locator('[data-qa=player-status]').textContent();
/** Speed and play state are announced from the element's own events, which come a moment after the change. */
const announced = (page: Page, text: string) => page.waitForFunction((expected) => document.querySelector('[data-qa=player-status]')?.textContent === expected, text, { timeout: 5_000 });

async function goTo(page: Page, typed: string) {
  await page.fill('[data-qa=goto-input]', typed);
  await page.click('[data-qa=goto]');
}

// Each test walks a whole page in a real browser, with axe runs; on a shared two-core machine that can pass 30 s.
jest.setTimeout(60_000);

describeInChromium('the player for long recordings, and moments, on a phone', () => {
  const sessions = phoneSessions();

  async function signedIn(language: 'en' | 'cy', options: { javaScriptEnabled?: boolean } = {}) {
    const { url } = await sessions.portal().recordingInLanguage(language, AUDIO);
    return { ...(await sessions.signedIn(url, { acceptDownloads: true, ...options })), url };
  }

  test('skips back and forward, plays at each speed, goes to 23:10, refuses 99:99 and a time past the end, and answers its keyboard shortcuts', async () => {
    const { page } = await signedIn('en');
    await page.locator('[data-qa=player-controls]').waitFor();
    expect(await page.locator('[data-qa=length]').innerText()).toBe('1:00:00');
    await checkPage(page, 'player-en-phone');
    for (const control of await page.locator('[data-qa=player-controls] button, [data-qa=player-controls] select, [data-qa=player-controls] input').all()) {
      const box = (await control.boundingBox())!;
      expect({ control: await control.getAttribute('data-qa'), large: box.width >= 24 && box.height >= 24 }).toEqual({ control: await control.getAttribute('data-qa'), large: true });
    }

    expect(await playInPage(page)).toBeGreaterThan(0.5);
    await pause(page);
    await goTo(page, '23:10');
    expect(await currentTime(page)).toBeCloseTo(1390, 0);
    expect(await status(page)).toBe('Moved to 0:23:10');
    expect(await page.locator('[data-qa=current-time]').innerText()).toBe('0:23:10');
    await page.click('[data-qa=back]');
    expect(await currentTime(page)).toBeCloseTo(1380, 0);
    await page.click('[data-qa=forward]');
    expect(await currentTime(page)).toBeCloseTo(1410, 0);
    await goTo(page, '0:59:30');
    expect(await currentTime(page)).toBeCloseTo(3570, 0);

    for (const speed of ['0.75', '1.25', '1.5', '2', '1']) {
      await page.selectOption('[data-qa=speed]', speed);
      expect(await playbackRate(page)).toBe(Number(speed));
      await announced(page, speed === '1' ? 'Speed normal' : `Speed ${speed} times`);
    }

    const before = await currentTime(page);
    await goTo(page, '99:99');
    const error = page.locator('[data-qa=goto-error]');
    expect(await words(page, '[data-qa=goto-error]')).toBe('Error: Enter a time as minutes and seconds, like 23:10, or as hours, minutes and seconds, like 1:02:30');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('player-goto');
    expect(await page.getAttribute('#player-goto', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('#player-goto', 'aria-describedby')).toBe('player-goto-hint player-goto-error');
    expect(await currentTime(page)).toBe(before);
    await checkPage(page, 'player-en-phone-time-refused');
    await goTo(page, '1:00:01');
    expect(await words(page, '[data-qa=goto-error]')).toBe('Error: Enter a time before the end of the recording, which lasts 1:00:00');
    await goTo(page, '10:00');
    expect(await error.isVisible()).toBe(false);
    expect(await page.getAttribute('#player-goto', 'aria-invalid')).toBeNull();

    // Typing in a box is typing, not a shortcut.
    await page.fill('[data-qa=goto-input]', '');
    await page.type('[data-qa=goto-input]', 'jkl>');
    expect(await currentTime(page)).toBeCloseTo(600, 0);
    expect(await playbackRate(page)).toBe(1);
    await page.locator('h1').click();
    await page.keyboard.press('j');
    expect(await currentTime(page)).toBeCloseTo(590, 0);
    await page.keyboard.press('l');
    expect(await currentTime(page)).toBeCloseTo(620, 0);
    expect(await status(page)).toBe('Moved to 0:10:20');
    await page.keyboard.press('>');
    expect(await playbackRate(page)).toBe(1.25);
    await page.keyboard.press('<');
    await page.keyboard.press('<');
    expect(await playbackRate(page)).toBe(0.75);
    await announced(page, 'Speed 0.75 times');
    expect(await page.inputValue('[data-qa=speed]')).toBe('0.75');
    await page.keyboard.press('k');
    expect(await isPaused(page)).toBe(false);
    // The button and the announcement follow the element's own play and pause events, which come a moment later.
    await page.waitForFunction(() => document.querySelector<HTMLElement>('[data-qa=play]')!.innerText === 'Pause');
    await page.keyboard.press('k');
    expect(await isPaused(page)).toBe(true);
    await announced(page, 'Paused');
    await page.keyboard.press('Control+l');
    expect(await currentTime(page)).toBeGreaterThan(619);
    expect(await currentTime(page)).toBeLessThan(640);
    expect(await page.locator('[data-qa=shortcuts-help]').innerText()).toContain('Keyboard shortcuts');

    // Single-key shortcuts can be turned off (WCAG 2.1.4), and stay off after a reload.
    await page.click('[data-qa=shortcuts-help] summary');
    await page.uncheck('[data-qa=shortcuts-on]');
    await page.reload();
    expect(await page.isChecked('[data-qa=shortcuts-on]')).toBe(false);
    await page.locator('h1').click();
    await page.keyboard.press('l');
    expect(await currentTime(page)).toBe(0);
  });

  test('in Welsh, the controls speak Welsh and axe finds nothing', async () => {
    const { page } = await signedIn('cy');
    await page.locator('[data-qa=player-controls]').waitFor();
    expect(await page.locator('[data-qa=player-controls]').innerText()).toContain('Yn ôl 10 eiliad');
    expect(await page.locator('[data-qa=moments]').innerText()).toContain('Marcio’r eiliad hon');
    await page.selectOption('[data-qa=speed]', '1.5');
    await announced(page, 'Cyflymder 1.5 gwaith');
    await checkPage(page, 'player-cy-phone');
    await goTo(page, '99:99');
    expect(await page.locator('[data-qa=goto-error]').innerText()).toContain('Gwall:');
    await checkPage(page, 'player-cy-phone-time-refused');
  });

  test('without JavaScript, the browser’s own player is the whole player, and it plays', async () => {
    const { page } = await signedIn('en', { javaScriptEnabled: false });
    expect(await page.locator('[data-qa=player-controls]').isVisible()).toBe(false);
    expect(await page.locator('[data-qa=moments]').isVisible()).toBe(false);
    expect(await page.getAttribute(player, 'controls')).not.toBeNull();
    // Evaluated by the test, not the page; polled, as a page without scripts runs no animation frames.
    await page.evaluate((s) => {
      const audio = document.querySelector<HTMLAudioElement>(s)!;
      audio.muted = true;
      return audio.play();
    }, player);
    for (let tries = 0; tries < 100 && (await currentTime(page)) <= 0.5; tries++) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await currentTime(page)).toBeGreaterThan(0.5);
    expect(await page.locator('[data-qa=sign-out]').isVisible()).toBe(true);
    await screenshot(page, 'player-no-js-phone');
  });

  test('moments are marked, edited, kept over a reload, downloaded as a list and cleared, and no note ever reaches the portal', async () => {
    const { page } = await signedIn('en');
    const sent: string[] = [];
    page.on('request', (request) => sent.push(`${request.url()} ${JSON.stringify(request.headers())} ${request.postData() ?? ''}`));
    const texts = async () => (await page.locator('[data-qa=moments-list] li').allInnerTexts()).map((text) => text.replace(/\s+/g, ' ').trim());
    const edit = (time: string) => `Edit the moment at ${time} Remove the moment at ${time}`;
    expect(await page.locator('[data-qa=moments-private]').innerText()).toContain('They are not sent to us');

    expect(await playInPage(page)).toBeGreaterThan(0.5);
    await pause(page);
    await goTo(page, '23:10');
    await page.fill('[data-qa=moment-note]', NOTE);
    await page.click('[data-qa=mark]');
    expect(await page.locator('[data-qa=moments-status]').textContent()).toBe('Moment marked at 0:23:10');
    await goTo(page, '5:00');
    await page.click('[data-qa=mark]');
    expect(await page.inputValue('[data-qa=moment-note]')).toBe('');

    await page.fill('[data-qa=moment-note]', 'x'.repeat(201));
    await page.click('[data-qa=mark]');
    expect(await words(page, '[data-qa=note-error]')).toBe('Error: Note must be 200 characters or fewer');
    await page.fill('[data-qa=moment-note]', '');

    await page.getByRole('button', { name: 'Edit the moment at 0:23:10' }).click();
    expect(await page.inputValue('[data-qa=moment-note]')).toBe(NOTE);
    expect(await page.locator('label[for=moment-note]').innerText()).toBe('Note for 0:23:10');
    expect(await page.locator('[data-qa=cancel-edit]').isVisible()).toBe(true);
    await page.fill('[data-qa=moment-note]', EDITED_NOTE);
    await page.click('[data-qa=mark]');
    expect(await texts()).toEqual([`Go to 0:05:00 ${edit('0:05:00')}`, `Go to 0:23:10 ${EDITED_NOTE} ${edit('0:23:10')}`]);
    expect(await page.locator('[data-qa=cancel-edit]').isVisible()).toBe(false);
    await checkPage(page, 'moments-en-phone');

    await page.reload();
    expect(await texts()).toEqual([`Go to 0:05:00 ${edit('0:05:00')}`, `Go to 0:23:10 ${EDITED_NOTE} ${edit('0:23:10')}`]);
    await page.locator('[data-qa=moment-link]').nth(1).click();
    expect(await currentTime(page)).toBeCloseTo(1390, 0);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-qa=moments-download]')]);
    expect(download.suggestedFilename()).toBe('my-moments.txt');
    const file = readFileSync(await download.path(), 'utf8');
    const recordedOn = (await page.locator('[data-qa=recording-details] dd').first().innerText()).trim();
    expect(file.split('\r\n')).toEqual([
      'Moments in my assessment recording',
      '',
      `Date of the assessment: ${recordedOn}`,
      `SHA-256 fingerprint of the recording: ${FINGERPRINT}`,
      '',
      '0:05:00',
      `0:23:10  ${EDITED_NOTE}`,
      '',
    ]);

    await page.emulateMedia({ media: 'print' });
    await screenshot(page, 'moments-en-phone-print');
    expect(await page.locator('[data-qa=moments-list]').evaluate((list) => getComputedStyle(list).visibility)).toBe('visible');
    expect(await page.locator('[data-qa=player-controls]').evaluate((controls) => getComputedStyle(controls).visibility)).toBe('hidden');
    expect(await page.locator('[data-qa=moments-download]').isVisible()).toBe(false);
    await page.emulateMedia({ media: 'screen' });

    await page.getByRole('button', { name: 'Remove the moment at 0:05:00' }).click();
    expect(await texts()).toHaveLength(1);
    await page.click('[data-qa=moments-clear]');
    expect(await texts()).toEqual([]);
    expect(await page.locator('[data-qa=moments-empty]').isVisible()).toBe(true);
    expect(await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('portal-moments:')))).toEqual([]);
    await page.reload();
    expect(await texts()).toEqual([]);

    expect(sent.length).toBeGreaterThan(5);
    expect(sent.filter((request) => request.includes('cook') || request.includes(encodeURIComponent(NOTE)))).toEqual([]);
  });

  test('signing out clears the notes on this device and ends the session', async () => {
    const { page, url, context } = await signedIn('en');
    await page.fill('[data-qa=moment-note]', NOTE);
    await page.click('[data-qa=mark]');
    expect(await page.evaluate((key) => localStorage.getItem(key), `portal-moments:${FINGERPRINT}`)).toContain(NOTE);

    await Promise.all([page.waitForURL(url), page.click('[data-qa=sign-out]')]);
    expect(await page.locator('[data-qa=nino]').isVisible()).toBe(true);
    expect(await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('portal-moments:')))).toEqual([]);
    expect((await context.cookies()).map((cookie) => cookie.name)).not.toContain('recording_session');
    await page.goto(url);
    expect(await page.locator('[data-qa=nino]').isVisible()).toBe(true);
    expect(await page.locator('[data-qa=player]').count()).toBe(0);
  });
});
