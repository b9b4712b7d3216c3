import { readFileSync } from 'node:fs';
import { demoAudio } from '../../server/demoAudio';
import { sha256 } from '../support/testPortal';
import { playInPage, signedIn as signIn } from '../support/e2e/claimant';
import { attribute, clickNamed, inputValue, isVisible, text, textContent, waitForVisible, type EnginePage } from '../support/e2e/enginePage';
import { CANNOT, checkPage, describeInEngines, screenshot, testNeeding } from '../support/e2e/engines';
import { startLivePortal, type LivePortal } from '../support/e2e/livePortal';

// A 60-minute assessment (8 kHz WAV): long enough that finding a part of it by dragging is hopeless.
const AUDIO = demoAudio(60 * 60, 8_000);
const FINGERPRINT = sha256(AUDIO);
const NOTE = 'I said I cannot cook a meal';
const EDITED_NOTE = 'I said I cannot cook a meal without help';

const player = '[data-qa=player]';
const currentTime = (page: EnginePage) => page.evaluate((s) => document.querySelector<HTMLAudioElement>(s)!.currentTime, player);
const playbackRate = (page: EnginePage) => page.evaluate((s) => document.querySelector<HTMLAudioElement>(s)!.playbackRate, player);
const isPaused = (page: EnginePage) => page.evaluate((s) => document.querySelector<HTMLAudioElement>(s)!.paused, player);
const pause = (page: EnginePage) => page.evaluate((s) => document.querySelector<HTMLAudioElement>(s)!.pause(), player);
/** What a screen reader reads, visually hidden words included, on one line. */
const words = async (page: EnginePage, selector: string) => ((await textContent(page, selector)) ?? '').replace(/\s+/g, ' ').trim();
const status = (page: EnginePage) => textContent(page, '[data-qa=player-status]');
/** Speed and play state are announced from the element's own events, which come a moment after the change. */
const announced = (page: EnginePage, expected: string) => page.waitForFunction((e) => document.querySelector('[data-qa=player-status]')?.textContent === e, expected);
/** A seek lands once the element says so (WebKit applies currentTime a moment later). */
const timeNear = (page: EnginePage, seconds: number) => page.waitForFunction((s) => Math.abs(document.querySelector<HTMLAudioElement>('[data-qa=player]')!.currentTime - s) < 0.5, seconds);

async function goTo(page: EnginePage, typed: string) {
  await page.fill('[data-qa=goto-input]', typed);
  await page.click('[data-qa=goto]');
}

// Each test walks a whole page in a real browser, with axe runs; on a shared two-core machine (WebKitGTK slowest) that passes 30 s.
jest.setTimeout(180_000);

describeInEngines('the player for long recordings, and moments, on a phone', (engine, engineName) => {
  let portal: LivePortal;
  beforeAll(async () => {
    portal = await startLivePortal({}, { scheme: engine().scheme });
  });
  afterAll(async () => {
    await portal?.close();
  });

  async function signedIn(language: 'en' | 'cy', options: { javaScript?: boolean } = {}) {
    const { url } = await portal.recordingInLanguage(language, AUDIO);
    return { page: await signIn(engine(), portal, url, { device: 'phone', ...options }), url };
  }

  test('skips back and forward, plays at each speed, goes to 23:10, refuses 99:99 and a time past the end, and answers its keyboard shortcuts', async () => {
    const { page } = await signedIn('en');
    await waitForVisible(page, '[data-qa=player-controls]');
    expect(await text(page, '[data-qa=length]')).toBe('1:00:00');
    await checkPage(page, 'player-en-phone');
    const controls = await page.evaluate(() => [...document.querySelectorAll<HTMLElement>('[data-qa=player-controls] :is(button, select, input)')].map((c) => ({ control: c.dataset.qa, large: c.getBoundingClientRect().width >= 24 && c.getBoundingClientRect().height >= 24 })), null);
    expect(controls.length).toBeGreaterThan(4);
    for (const control of controls) expect(control).toEqual({ control: control.control, large: true });

    expect(await playInPage(page)).toBeGreaterThan(0.5);
    await pause(page);
    await goTo(page, '23:10');
    await timeNear(page, 1390);
    expect(await status(page)).toBe('Moved to 0:23:10');
    expect(await text(page, '[data-qa=current-time]')).toBe('0:23:10');
    await page.click('[data-qa=back]');
    await timeNear(page, 1380);
    await page.click('[data-qa=forward]');
    await timeNear(page, 1410);
    await goTo(page, '0:59:30');
    await timeNear(page, 3570);

    for (const speed of ['0.75', '1.25', '1.5', '2', '1']) {
      await page.selectOption('[data-qa=speed]', speed);
      expect(await playbackRate(page)).toBe(Number(speed));
      await announced(page, speed === '1' ? 'Speed normal' : `Speed ${speed} times`);
    }

    const before = await currentTime(page);
    await goTo(page, '99:99');
    expect(await words(page, '[data-qa=goto-error]')).toBe('Error: Enter a time as minutes and seconds, like 23:10, or as hours, minutes and seconds, like 1:02:30');
    expect(await page.evaluate(() => document.activeElement?.id, null)).toBe('player-goto');
    expect(await attribute(page, '#player-goto', 'aria-invalid')).toBe('true');
    expect(await attribute(page, '#player-goto', 'aria-describedby')).toBe('player-goto-hint player-goto-error');
    expect(await currentTime(page)).toBe(before);
    await checkPage(page, 'player-en-phone-time-refused');
    await goTo(page, '1:00:01');
    expect(await words(page, '[data-qa=goto-error]')).toBe('Error: Enter a time before the end of the recording, which lasts 1:00:00');
    await goTo(page, '10:00');
    await timeNear(page, 600);
    expect(await isVisible(page, '[data-qa=goto-error]')).toBe(false);
    expect(await attribute(page, '#player-goto', 'aria-invalid')).toBeNull();

    // Typing in a box is typing, not a shortcut.
    await page.fill('[data-qa=goto-input]', '');
    await page.click('[data-qa=goto-input]');
    await page.type('jkl>');
    expect(await inputValue(page, '[data-qa=goto-input]')).toBe('jkl>');
    expect(await currentTime(page)).toBeCloseTo(600, 0);
    expect(await playbackRate(page)).toBe(1);
    await page.click('h1');
    await page.press('j');
    await timeNear(page, 590);
    await page.press('l');
    await timeNear(page, 620);
    expect(await status(page)).toBe('Moved to 0:10:20');
    await page.press('>');
    expect(await playbackRate(page)).toBe(1.25);
    await page.press('<');
    await page.press('<');
    expect(await playbackRate(page)).toBe(0.75);
    await announced(page, 'Speed 0.75 times');
    expect(await inputValue(page, '[data-qa=speed]')).toBe('0.75');
    if (CANNOT[engineName].keyPlayPause) {
      process.stderr.write(`Not checked in ${engineName}: k to play and pause (${CANNOT[engineName].keyPlayPause})\n`);
    } else {
      await page.press('k');
      expect(await isPaused(page)).toBe(false);
      // The button and the announcement follow the element's own play and pause events, which come a moment later.
      await page.waitForFunction(() => document.querySelector<HTMLElement>('[data-qa=play]')!.innerText === 'Pause', null);
      await page.press('k');
      expect(await isPaused(page)).toBe(true);
      await announced(page, 'Paused');
    }
    await page.press('Control+l');
    expect(await currentTime(page)).toBeGreaterThan(619);
    expect(await currentTime(page)).toBeLessThan(640);
    expect(await text(page, '[data-qa=shortcuts-help]')).toContain('Keyboard shortcuts');

    // Single-key shortcuts can be turned off (WCAG 2.1.4), and stay off after a reload.
    await page.click('[data-qa=shortcuts-help] summary');
    await page.click('[data-qa=shortcuts-on]');
    expect(await page.evaluate(() => document.querySelector<HTMLInputElement>('[data-qa=shortcuts-on]')!.checked, null)).toBe(false);
    await page.reload();
    expect(await page.evaluate(() => document.querySelector<HTMLInputElement>('[data-qa=shortcuts-on]')!.checked, null)).toBe(false);
    await page.click('h1');
    await page.press('l');
    expect(await currentTime(page)).toBe(0);
  });

  test('in Welsh, the controls speak Welsh and axe finds nothing', async () => {
    const { page } = await signedIn('cy');
    await waitForVisible(page, '[data-qa=player-controls]');
    expect(await text(page, '[data-qa=player-controls]')).toContain('Yn ôl 10 eiliad');
    expect(await text(page, '[data-qa=moments]')).toContain('Marcio’r eiliad hon');
    await page.selectOption('[data-qa=speed]', '1.5');
    await announced(page, 'Cyflymder 1.5 gwaith');
    await checkPage(page, 'player-cy-phone');
    await goTo(page, '99:99');
    expect(await text(page, '[data-qa=goto-error]')).toContain('Gwall:');
    await checkPage(page, 'player-cy-phone-time-refused');
  });

  testNeeding(engineName, 'turnOffScripts', 'without JavaScript, the browser’s own player is the whole player, and it plays', async () => {
    const { page } = await signedIn('en', { javaScript: false });
    expect(await isVisible(page, '[data-qa=player-controls]')).toBe(false);
    expect(await isVisible(page, '[data-qa=moments]')).toBe(false);
    expect(await attribute(page, player, 'controls')).not.toBeNull();
    await page.evaluate((s) => {
      const audio = document.querySelector<HTMLAudioElement>(s)!;
      audio.muted = true;
      return audio.play();
    }, player);
    // Polled from the test's side: a page without scripts runs no animation frames.
    await page.waitForFunction((s) => document.querySelector<HTMLAudioElement>(s)!.currentTime > 0.5, player);
    expect(await isVisible(page, '[data-qa=sign-out]')).toBe(true);
    await screenshot(page, 'player-no-js-phone');
  });

  test('moments are marked, edited, kept over a reload, downloaded as a list and cleared, and no note ever reaches the portal', async () => {
    const { page } = await signedIn('en');
    const sentFrom = portal.answers.length;
    // Each part of a moment by its own words (engines join inline buttons' innerText differently).
    const list = () => page.evaluate(() => [...document.querySelectorAll('[data-qa=moments-list] li')].map((li) => [...li.children].map((part) => (part.textContent ?? '').replace(/\s+/g, ' ').trim()).filter(Boolean).join(' ')), null);
    const edit = (time: string) => `Edit the moment at ${time} Remove the moment at ${time}`;
    expect(await text(page, '[data-qa=moments-private]')).toContain('They are not sent to us');

    expect(await playInPage(page)).toBeGreaterThan(0.5);
    await pause(page);
    await goTo(page, '23:10');
    await timeNear(page, 1390);
    await page.fill('[data-qa=moment-note]', NOTE);
    await page.click('[data-qa=mark]');
    expect(await textContent(page, '[data-qa=moments-status]')).toBe('Moment marked at 0:23:10');
    await goTo(page, '5:00');
    await timeNear(page, 300);
    await page.click('[data-qa=mark]');
    expect(await inputValue(page, '[data-qa=moment-note]')).toBe('');

    await page.fill('[data-qa=moment-note]', 'x'.repeat(201));
    await page.click('[data-qa=mark]');
    expect(await words(page, '[data-qa=note-error]')).toBe('Error: Note must be 200 characters or fewer');
    await page.fill('[data-qa=moment-note]', '');

    await clickNamed(page, 'button', 'Edit the moment at 0:23:10');
    expect(await inputValue(page, '[data-qa=moment-note]')).toBe(NOTE);
    expect(await text(page, 'label[for=moment-note]')).toBe('Note for 0:23:10');
    expect(await isVisible(page, '[data-qa=cancel-edit]')).toBe(true);
    await page.fill('[data-qa=moment-note]', EDITED_NOTE);
    await page.click('[data-qa=mark]');
    const expected = [`Go to 0:05:00 ${edit('0:05:00')}`, `Go to 0:23:10 ${EDITED_NOTE} ${edit('0:23:10')}`];
    expect(await list()).toEqual(expected);
    expect(await isVisible(page, '[data-qa=cancel-edit]')).toBe(false);
    await checkPage(page, 'moments-en-phone');

    await page.reload();
    expect(await list()).toEqual(expected);
    await page.click('[data-qa=moments-list] li:nth-child(2) [data-qa=moment-link]');
    await timeNear(page, 1390);

    if (engine().download && !CANNOT[engineName].readPageMadeDownload) {
      const saved = await engine().download!(page, () => page.click('[data-qa=moments-download]'));
      expect(saved.name).toBe('my-moments.txt');
      const recordedOn = (await text(page, '[data-qa=recording-details] dd')).trim();
      expect(readFileSync(saved.path, 'utf8').split('\r\n')).toEqual(['Moments in my assessment recording', '', `Date of the assessment: ${recordedOn}`, `SHA-256 fingerprint of the recording: ${FINGERPRINT}`, '', '0:05:00', `0:23:10  ${EDITED_NOTE}`, '']);
    } else {
      process.stderr.write(`Not checked in ${engineName}: the saved list of moments (${CANNOT[engineName].readPageMadeDownload})\n`);
    }

    if (!CANNOT[engineName].printMedia && engine().emulatePrint) {
      await engine().emulatePrint!(page, true);
      await screenshot(page, 'moments-en-phone-print');
      expect(await page.evaluate(() => getComputedStyle(document.querySelector('[data-qa=moments-list]')!).visibility, null)).toBe('visible');
      expect(await page.evaluate(() => getComputedStyle(document.querySelector('[data-qa=player-controls]')!).visibility, null)).toBe('hidden');
      expect(await isVisible(page, '[data-qa=moments-download]')).toBe(false);
      await engine().emulatePrint!(page, false);
    }

    await clickNamed(page, 'button', 'Remove the moment at 0:05:00');
    expect(await list()).toHaveLength(1);
    await page.click('[data-qa=moments-clear]');
    expect(await list()).toEqual([]);
    expect(await isVisible(page, '[data-qa=moments-empty]')).toBe(true);
    expect(await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('portal-moments:')), null)).toEqual([]);
    await page.reload();
    expect(await list()).toEqual([]);

    // Nothing the page asked the portal for carried a note: the portal's own record of every request.
    const asked = portal.answers.slice(sentFrom).map((answer) => answer.path);
    expect(asked.length).toBeGreaterThan(3);
    expect(asked.filter((path) => path.includes('cook') || path.includes(encodeURIComponent(NOTE)))).toEqual([]);
    expect(portal.answers.slice(sentFrom).filter((answer) => answer.method === 'POST' && !/\/session$/.test(answer.path))).toEqual([]);
  });

  test('signing out clears the notes on this device and ends the session', async () => {
    const { page, url } = await signedIn('en');
    await page.fill('[data-qa=moment-note]', NOTE);
    await page.click('[data-qa=mark]');
    expect(await page.evaluate((key) => localStorage.getItem(key), `portal-moments:${FINGERPRINT}`)).toContain(NOTE);

    await page.navigates(() => page.click('[data-qa=sign-out]'));
    expect(await page.url()).toBe(url);
    expect(await isVisible(page, '[data-qa=nino]')).toBe(true);
    expect(await page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('portal-moments:')), null)).toEqual([]);
    expect(await page.cookieNames()).not.toContain('recording_session');
    await page.goto(url);
    expect(await isVisible(page, '[data-qa=nino]')).toBe(true);
    expect(await page.evaluate(() => document.querySelectorAll('[data-qa=player]').length, null)).toBe(0);
  });
});
