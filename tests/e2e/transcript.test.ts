import { demoAudio } from '../../server/demoAudio';
import { playInPage, signedIn as signIn } from '../support/e2e/claimant';
import { attribute, count, isVisible, text, textContent, waitForVisible, type EnginePage } from '../support/e2e/enginePage';
import { checkPage, describeInEngines, expectLayoutHolds, screenshot, testNeeding } from '../support/e2e/engines';
import { startLivePortal, type LivePortal } from '../support/e2e/livePortal';

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
const status = (page: EnginePage) => textContent(page, '[data-qa=transcript-status]');
/** The player has moved to `seconds` (WebKit applies a seek a moment later). */
const timeNear = (page: EnginePage, seconds: number) => page.waitForFunction((s) => Math.abs(document.querySelector<HTMLAudioElement>('[data-qa=player]')!.currentTime - s) < 0.5, seconds);
const cueIs = (page: EnginePage, words: string) => page.waitForFunction((w) => document.querySelector('[data-qa=cue][aria-current=true] [data-cue-text]')?.textContent === w, words);

jest.setTimeout(180_000);

describeInEngines('the transcript beside the player', (engine, engineName) => {
  let portal: LivePortal;
  beforeAll(async () => {
    portal = await startLivePortal({}, { scheme: engine().scheme });
  });
  afterAll(async () => {
    await portal?.close();
  });

  async function signedInTo(options: { javaScript?: boolean } = {}, audio = AUDIO, vtt = VTT) {
    const { url, recordingId } = await portal.recordingInLanguage('en', audio);
    const { transcripts } = portal.services;
    await transcripts.attach({ recordingId, vtt: Buffer.from(vtt), source: 'staff', actor: 'test' });
    const replace = (next: string) => transcripts.attach({ recordingId, vtt: Buffer.from(next), source: 'staff', actor: 'test', reason: 'corrected' });
    return { page: await signIn(engine(), portal, url, { device: 'phone', ...options }), replace };
  }
  const signedIn = async (options: { javaScript?: boolean } = {}, audio = AUDIO, vtt = VTT) => (await signedInTo(options, audio, vtt)).page;

  test("highlights the cue at the player's current time, and each cue's time moves the player there", async () => {
    const page = await signedIn();
    await waitForVisible(page, '[data-qa=transcript-search]');
    await checkPage(page, 'transcript-en-phone');
    expect(await playInPage(page)).toBeGreaterThan(0.5);
    await cueIs(page, 'Assessor: Hello, I am your assessor today.');
    await page.evaluate((s) => document.querySelector<HTMLAudioElement>(s)!.pause(), player);

    // Moved by the player's own "Go to a time": the transcript follows the audio, whatever moved it.
    await page.fill('[data-qa=goto-input]', '0:25');
    await page.click('[data-qa=goto]');
    await page.waitForFunction(() => document.querySelector('[data-qa=cue][aria-current=true]')?.textContent?.includes('cannot cook'), null);
    expect(await count(page, '[data-qa=cue][aria-current=true]')).toBe(1);
    expect(await page.evaluate(() => document.querySelector('[data-qa=cue][aria-current=true]')!.classList.contains('portal-transcript__cue--current'), null)).toBe(true);

    await page.click('[data-qa=cue]:nth-child(4) [data-qa=cue-link]');
    await timeNear(page, 30);
    await cueIs(page, 'Assessor: Tell me about a typical day.');
    expect(await status(page)).toBe('Moved to 0:00:30');
  });

  test('search finds a word, marks it, and goes to each part that holds it; nothing found and an empty search are said', async () => {
    const page = await signedIn();
    await waitForVisible(page, '[data-qa=transcript-search]');
    await page.fill('[data-qa=transcript-search]', 'COOK');
    await page.click('[data-qa=transcript-search-button]');
    expect(await status(page)).toBe('2 parts of the transcript contain “COOK”. Moved to 0:00:10.');
    await timeNear(page, 10);
    await cueIs(page, 'Assessor: Can you cook a meal for yourself?');
    expect(await page.evaluate(() => [...document.querySelectorAll('mark.portal-transcript__match')].map((m) => m.textContent), null)).toEqual(['cook', 'cook']);
    await checkPage(page, 'transcript-en-phone-found');

    await page.click('[data-qa=transcript-next]');
    await timeNear(page, 20);
    expect(await status(page)).toBe('Match 2 of 2. Moved to 0:00:20.');
    await page.click('[data-qa=transcript-next]');
    await timeNear(page, 10);

    await page.fill('[data-qa=transcript-search]', 'zebra');
    await page.click('[data-qa=transcript-search-button]');
    expect(await status(page)).toBe('Nothing in the transcript contains “zebra”.');
    expect(await count(page, 'mark')).toBe(0);
    expect(await isVisible(page, '[data-qa=transcript-next]')).toBe(false);

    await page.fill('[data-qa=transcript-search]', '  ');
    await page.click('[data-qa=transcript-search-button]');
    expect(await isVisible(page, '[data-qa=transcript-search-error]')).toBe(true);
    expect(await attribute(page, '#transcript-search', 'aria-invalid')).toBe('true');
    expect(await page.evaluate(() => document.activeElement?.id, null)).toBe('transcript-search');
  });

  test('on an hour-long recording with 900 cues, the page ends at its footer, the transcript follows a jump to 23:10, and search goes to the one cue near the end', async () => {
    const page = await signedIn({}, HOUR_AUDIO, HOUR_VTT);
    await waitForVisible(page, '[data-qa=transcript-search]');
    // The page's HTML holds the first 100; the script loaded the rest from transcript.json.
    await page.waitForFunction(() => document.querySelectorAll('[data-qa=cue]').length === 900, null);
    expect(await isVisible(page, '[data-qa=transcript-partial]')).toBe(false);
    // 900 cues in the scroll box: each one's hidden "Go to" text stays inside it, so the page ends where its footer does.
    await expectLayoutHolds(page, 'transcript-900-cues');

    await page.fill('[data-qa=goto-input]', '23:10');
    await page.click('[data-qa=goto]');
    // 23:10 is 1,390 s: inside the cue that starts at 1,388 s, the 348th.
    await page.waitForFunction(() => document.querySelector('[data-qa=cue][aria-current=true] [data-cue-text]')?.textContent?.startsWith('Part 347:'), null);

    await page.fill('[data-qa=transcript-search]', 'kettle');
    await page.click('[data-qa=transcript-search-button]');
    await timeNear(page, 890 * 4);
    await cueIs(page, 'Part 890: I cannot lift a kettle.');
    expect(await status(page)).toContain('Moved to 0:59:20');
    expect(await page.evaluate(() => [...document.querySelectorAll('mark.portal-transcript__match')].map((m) => m.textContent), null)).toEqual(['kettle']);
  });

  testNeeding(engineName, 'turnOffScripts', 'without JavaScript the transcript is a readable list with times, each opening the recording at its time', async () => {
    const page = await signedIn({ javaScript: false });
    expect(await isVisible(page, '[data-qa=transcript-search]')).toBe(false);
    expect(await count(page, '[data-qa=cue]')).toBe(5);
    expect((await text(page, '[data-qa=cue]:nth-child(3)')).replace(/\s+/g, ' ').trim()).toBe('Go to 0:00:20 Claimant: I cannot cook without help.');
    expect(await attribute(page, '[data-qa=cue]:nth-child(3) [data-qa=cue-link]', 'href')).toMatch(/\/listen#t=20$/);
    expect(await isVisible(page, '[data-qa=transcript-txt]')).toBe(true);
    // A screenshot only: axe-core runs on animation frames, which a page without scripts does not have.
    await screenshot(page, 'transcript-en-phone-no-js');
  });

  testNeeding(engineName, 'turnOffScripts', 'without JavaScript a long transcript shows its first part, says so, and links the whole of it', async () => {
    const page = await signedIn({ javaScript: false }, HOUR_AUDIO, HOUR_VTT);
    expect(await count(page, '[data-qa=cue]')).toBe(100);
    expect(await text(page, '[data-qa=transcript-partial]')).toContain('This shows the first 100 of 900 parts of the transcript.');
    expect(await attribute(page, '[data-qa=transcript-partial-txt]', 'href')).toMatch(/\/transcript\.txt$/);
    await expectLayoutHolds(page, 'transcript-no-js-first-100');
  });

  test('a transcript replaced while the page is open: the page keeps working on the one it loaded, and the next load shows the new one', async () => {
    const { page, replace } = await signedInTo({}, HOUR_AUDIO, HOUR_VTT);
    await waitForVisible(page, '[data-qa=transcript-search]');
    await page.waitForFunction(() => document.querySelectorAll('[data-qa=cue]').length === 900, null);
    await replace(['WEBVTT', '00:00:00.000 --> 00:00:30.000\nA corrected transcript: the claimant can lift a kettle with help.'].join('\n\n'));

    await page.fill('[data-qa=transcript-search]', 'kettle');
    await page.click('[data-qa=transcript-search-button]');
    await cueIs(page, 'Part 890: I cannot lift a kettle.');
    await timeNear(page, 890 * 4);
    await page.click('[data-qa=cue]:nth-child(501) [data-qa=cue-link]');
    await cueIs(page, 'Part 500: the claimant describes their day.');

    await page.reload();
    await waitForVisible(page, '[data-qa=transcript-search]');
    expect(await count(page, '[data-qa=cue]')).toBe(1);
    expect(await textContent(page, '[data-qa=cue] [data-cue-text]')).toBe('A corrected transcript: the claimant can lift a kettle with help.');
  });

  test('a transcript replaced between the page and its cues loading: the page shows the new one whole, never a mix', async () => {
    const { url, recordingId } = await portal.recordingInLanguage('en', HOUR_AUDIO);
    const { transcripts } = portal.services;
    await transcripts.attach({ recordingId, vtt: Buffer.from(HOUR_VTT), source: 'staff', actor: 'test' });
    const page = await signIn(engine(), portal, url, { device: 'phone' });
    // The next recording page's request for its cues is held (on the portal's side) until the transcript has been replaced.
    const corrected = ['WEBVTT', ...Array.from({ length: 300 }, (_, i) => `${clock(i * 12)} --> ${clock(i * 12 + 12)}\nCorrected ${i}.`)].join('\n\n');
    portal.holdNext(/\/transcript\.json(\?|$)/, () => transcripts.attach({ recordingId, vtt: Buffer.from(corrected), source: 'staff', actor: 'test', reason: 'corrected' }));
    await page.reload();
    await waitForVisible(page, '[data-qa=transcript-search]');
    await page.waitForFunction(() => document.querySelectorAll('[data-qa=cue]').length === 300, null);
    expect(await page.evaluate(() => [...document.querySelectorAll('[data-qa=cue] [data-cue-text]')].map((c) => c.textContent), null)).toEqual(Array.from({ length: 300 }, (_, i) => `Corrected ${i}.`));
    expect(await isVisible(page, '[data-qa=transcript-partial]')).toBe(false);
    await page.click('[data-qa=cue]:nth-child(201) [data-qa=cue-link]');
    await timeNear(page, 2400);
    await cueIs(page, 'Corrected 200.');
  });
});
