import type { Page } from 'playwright-core';
import { demoAudio } from '../../server/demoAudio';
import { portalServices } from '../../server/services';
import { checkPage, describeInChromium, screenshot } from './support/chromium';
import { playInPage } from './support/pages';
import { phoneSessions } from './support/phoneSession';

// A minute of audio and what was said in it, as a transcript made for a deaf claimant would have it.
const AUDIO = demoAudio(60, 8_000);
const VTT = [
  'WEBVTT',
  '00:00:00.000 --> 00:00:10.000\nAssessor: Hello, I am your assessor today.',
  '00:00:10.000 --> 00:00:20.000\nAssessor: Can you cook a meal for yourself?',
  '00:00:20.000 --> 00:00:30.000\nClaimant: I cannot cook without help.',
  '00:00:30.000 --> 00:00:45.000\nAssessor: Tell me about a typical day.',
  '00:00:45.000 --> 00:01:00.000\nAssessor: Thank you, that is everything.',
].join('\n\n');

// An hour with a cue every 4 seconds, as a typed transcript of a real assessment has: 900 cues.
const HOUR_AUDIO = demoAudio(60 * 60, 8_000);
const clock = (seconds: number) => `${String(Math.floor(seconds / 3600)).padStart(2, '0')}:${String(Math.floor(seconds / 60) % 60).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}.000`;
const HOUR_VTT = ['WEBVTT', ...Array.from({ length: 900 }, (_, i) => `${clock(i * 4)} --> ${clock(i * 4 + 4)}\nPart ${i}: ${i === 890 ? 'I cannot lift a kettle.' : 'the claimant describes their day.'}`)].join('\n\n');

const player = '[data-qa=player]';
const currentTime = (page: Page) => page.evaluate((s) => document.querySelector<HTMLAudioElement>(s)!.currentTime, player);
const currentCue = (page: Page) => page.locator('[data-qa=cue][aria-current=true] [data-cue-text]').textContent();
const status = (page: Page) => page.locator('[data-qa=transcript-status]').textContent();

jest.setTimeout(60_000);

describeInChromium('the transcript beside the player', () => {
  const sessions = phoneSessions();

  async function signedInTo(options: { javaScriptEnabled?: boolean } = {}, audio = AUDIO, vtt = VTT) {
    const portal = sessions.portal();
    const { url, recordingId } = await portal.recordingInLanguage('en', audio);
    const transcripts = portalServices(portal.deps).transcripts;
    await transcripts.attach({ recordingId, vtt: Buffer.from(vtt), source: 'staff', actor: 'test' });
    const replace = (next: string) => transcripts.attach({ recordingId, vtt: Buffer.from(next), source: 'staff', actor: 'test', reason: 'corrected' });
    return { page: (await sessions.signedIn(url, options)).page, replace };
  }
  const signedIn = async (options: { javaScriptEnabled?: boolean } = {}, audio = AUDIO, vtt = VTT) => (await signedInTo(options, audio, vtt)).page;

  test('highlights the cue at the player\'s current time, and each cue\'s time moves the player there', async () => {
    const page = await signedIn();
    await page.locator('[data-qa=transcript-search]').waitFor();
    await checkPage(page, 'transcript-en-phone');
    expect(await playInPage(page)).toBeGreaterThan(0.5);
    expect(await currentCue(page)).toBe('Assessor: Hello, I am your assessor today.');
    await page.evaluate((s) => document.querySelector<HTMLAudioElement>(s)!.pause(), player);

    // Moved by the player's own "Go to a time": the transcript follows the audio, whatever moved it.
    await page.fill('[data-qa=goto-input]', '0:25');
    await page.click('[data-qa=goto]');
    await page.waitForFunction(() => document.querySelector('[data-qa=cue][aria-current=true]')?.textContent?.includes('cannot cook'));
    expect(await page.locator('[data-qa=cue][aria-current=true]').count()).toBe(1);
    expect(await page.locator('[data-qa=cue][aria-current=true]').evaluate((cue) => cue.classList.contains('portal-transcript__cue--current'))).toBe(true);

    await page.locator('[data-qa=cue-link]').nth(3).click();
    expect(await currentTime(page)).toBeCloseTo(30, 0);
    expect(await currentCue(page)).toBe('Assessor: Tell me about a typical day.');
    expect(await status(page)).toBe('Moved to 0:00:30');
  });

  test('search finds a word, marks it, and goes to each part that holds it; nothing found and an empty search are said', async () => {
    const page = await signedIn();
    await page.fill('[data-qa=transcript-search]', 'COOK');
    await page.click('[data-qa=transcript-search-button]');
    expect(await status(page)).toBe('2 parts of the transcript contain “COOK”. Moved to 0:00:10.');
    expect(await currentTime(page)).toBeCloseTo(10, 0);
    expect(await currentCue(page)).toBe('Assessor: Can you cook a meal for yourself?');
    expect(await page.locator('mark.portal-transcript__match').allTextContents()).toEqual(['cook', 'cook']);
    await checkPage(page, 'transcript-en-phone-found');

    await page.click('[data-qa=transcript-next]');
    expect(await currentTime(page)).toBeCloseTo(20, 0);
    expect(await status(page)).toBe('Match 2 of 2. Moved to 0:00:20.');
    await page.click('[data-qa=transcript-next]');
    expect(await currentTime(page)).toBeCloseTo(10, 0);

    await page.fill('[data-qa=transcript-search]', 'zebra');
    await page.click('[data-qa=transcript-search-button]');
    expect(await status(page)).toBe('Nothing in the transcript contains “zebra”.');
    expect(await page.locator('mark').count()).toBe(0);
    expect(await page.locator('[data-qa=transcript-next]').isVisible()).toBe(false);

    await page.fill('[data-qa=transcript-search]', '  ');
    await page.click('[data-qa=transcript-search-button]');
    expect(await page.locator('[data-qa=transcript-search-error]').isVisible()).toBe(true);
    expect(await page.getAttribute('#transcript-search', 'aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('transcript-search');
  });

  test('on an hour-long recording with 900 cues, the transcript follows a jump to 23:10, and search goes to the one cue near the end', async () => {
    const page = await signedIn({}, HOUR_AUDIO, HOUR_VTT);
    await page.locator('[data-qa=transcript-search]').waitFor();
    // The page's HTML holds the first 100; the script loaded the rest from transcript.json.
    expect(await page.locator('[data-qa=cue]').count()).toBe(900);
    expect(await page.locator('[data-qa=transcript-partial]').isVisible()).toBe(false);

    await page.fill('[data-qa=goto-input]', '23:10');
    await page.click('[data-qa=goto]');
    // 23:10 is 1,390 s: inside the cue that starts at 1,388 s, the 348th.
    await page.waitForFunction(() => document.querySelector('[data-qa=cue][aria-current=true] [data-cue-text]')?.textContent?.startsWith('Part 347:'));

    await page.fill('[data-qa=transcript-search]', 'kettle');
    await page.click('[data-qa=transcript-search-button]');
    expect(await currentTime(page)).toBeCloseTo(890 * 4, 0);
    expect(await currentCue(page)).toBe('Part 890: I cannot lift a kettle.');
    expect(await status(page)).toContain('Moved to 0:59:20');
    expect(await page.locator('mark.portal-transcript__match').allTextContents()).toEqual(['kettle']);
  });

  test('without JavaScript the transcript is a readable list with times, each opening the recording at its time', async () => {
    const page = await signedIn({ javaScriptEnabled: false });
    expect(await page.locator('[data-qa=transcript-search]').isVisible()).toBe(false);
    const cues = page.locator('[data-qa=cue]');
    expect(await cues.count()).toBe(5);
    expect((await cues.nth(2).innerText()).replace(/\s+/g, ' ')).toBe('Go to 0:00:20 Claimant: I cannot cook without help.');
    expect(await page.locator('[data-qa=cue-link]').nth(2).getAttribute('href')).toMatch(/\/listen#t=20$/);
    expect(await page.locator('[data-qa=transcript-txt]').isVisible()).toBe(true);
    // A screenshot only: axe-core runs on animation frames, which a page without scripts does not have.
    await screenshot(page, 'transcript-en-phone-no-js');
  });

  test('without JavaScript a long transcript shows its first part, says so, and links the whole of it', async () => {
    const page = await signedIn({ javaScriptEnabled: false }, HOUR_AUDIO, HOUR_VTT);
    expect(await page.locator('[data-qa=cue]').count()).toBe(100);
    expect(await page.locator('[data-qa=transcript-partial]').innerText()).toContain('This shows the first 100 of 900 parts of the transcript.');
    expect(await page.locator('[data-qa=transcript-partial-txt]').getAttribute('href')).toMatch(/\/transcript\.txt$/);
  });

  test('a transcript replaced while the page is open: the page keeps working on the one it loaded, and the next load shows the new one', async () => {
    const { page, replace } = await signedInTo({}, HOUR_AUDIO, HOUR_VTT);
    await page.locator('[data-qa=transcript-search]').waitFor();
    await replace(['WEBVTT', '00:00:00.000 --> 00:00:30.000\nA corrected transcript: the claimant can lift a kettle with help.'].join('\n\n'));

    await page.fill('[data-qa=transcript-search]', 'kettle');
    await page.click('[data-qa=transcript-search-button]');
    expect(await currentCue(page)).toBe('Part 890: I cannot lift a kettle.');
    expect(await currentTime(page)).toBeCloseTo(890 * 4, 0);
    await page.locator('[data-qa=cue-link]').nth(500).click();
    expect(await currentCue(page)).toBe('Part 500: the claimant describes their day.');

    await page.reload();
    await page.locator('[data-qa=transcript-search]').waitFor();
    expect(await page.locator('[data-qa=cue]').count()).toBe(1);
    expect(await page.locator('[data-qa=cue] [data-cue-text]').textContent()).toBe('A corrected transcript: the claimant can lift a kettle with help.');
  });

  test('a transcript replaced between the page and its cues loading: the page shows the new one whole, never a mix', async () => {
    const portal = sessions.portal();
    const { url, recordingId } = await portal.recordingInLanguage('en', HOUR_AUDIO);
    const transcripts = portalServices(portal.deps).transcripts;
    await transcripts.attach({ recordingId, vtt: Buffer.from(HOUR_VTT), source: 'staff', actor: 'test' });
    const { page } = await sessions.signedIn(url);
    // The next recording page's request for its cues is held until the transcript has been replaced.
    const corrected = ['WEBVTT', ...Array.from({ length: 300 }, (_, i) => `${clock(i * 12)} --> ${clock(i * 12 + 12)}\nCorrected ${i}.`)].join('\n\n');
    await page.route('**/transcript.json', async (route) => {
      await transcripts.attach({ recordingId, vtt: Buffer.from(corrected), source: 'staff', actor: 'test', reason: 'corrected' });
      await route.continue();
    });
    await page.reload();
    await page.locator('[data-qa=transcript-search]').waitFor();
    expect(await page.locator('[data-qa=cue]').count()).toBe(300);
    expect(await page.locator('[data-qa=cue] [data-cue-text]').allTextContents()).toEqual(Array.from({ length: 300 }, (_, i) => `Corrected ${i}.`));
    expect(await page.locator('[data-qa=transcript-partial]').isVisible()).toBe(false);
    await page.locator('[data-qa=cue-link]').nth(200).click();
    expect(await currentTime(page)).toBeCloseTo(2400, 0);
    expect(await currentCue(page)).toBe('Corrected 200.');
  });
});
