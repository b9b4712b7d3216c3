import type { Page, Response } from 'playwright-core';
import { demoAudio } from '../../server/demoAudio';
import { portalServices } from '../../server/services';
import { ClaimantBrowser } from '../support/claimantBrowser';
import { describeInChromium, screenshot } from './support/chromium';
import { playInPage } from './support/pages';
import { phoneSessions } from './support/phoneSession';

// A real browser, ffmpeg making a phone copy of an hour of audio, on a shared two-core machine.
jest.setTimeout(120_000);

// A 60-minute assessment as 8 kHz WAV (58 MB): large enough by the rule to get a phone copy.
const HOUR = demoAudio(60 * 60, 8_000);
// 20 minutes (19 MB, five slices) where only the stop matters.
const TWENTY_MINUTES = demoAudio(20 * 60, 8_000);

const PLAYER = '[data-qa=player]';

/** Seeks the player and waits until it can play on from there and its clock moves. */
async function seekAndPlayOn(page: Page, to: number) {
  await page.evaluate(
    ([selector, time]) => {
      const player = document.querySelector<HTMLAudioElement>(selector as string)!;
      player.currentTime = time as number;
      return player.play();
    },
    [PLAYER, to] as const,
  );
  await page.waitForFunction(
    ([selector, from]) => {
      const player = document.querySelector<HTMLAudioElement>(selector as string)!;
      return player.readyState >= 3 && player.currentTime > (from as number) + 0.5;
    },
    [PLAYER, to] as const,
    { timeout: 30_000 },
  );
  return page.evaluate((selector) => document.querySelector<HTMLAudioElement>(selector)!.currentTime, PLAYER);
}

const pause = (page: Page) => page.evaluate((selector) => document.querySelector<HTMLAudioElement>(selector)!.pause(), PLAYER);
const playerSrc = (page: Page) => page.evaluate((selector) => document.querySelector<HTMLAudioElement>(selector)!.src, PLAYER);

/** Every answer the portal gave the page's player, in order. */
function listenAnswers(page: Page) {
  const answers: { path: string; status: number; range: string | undefined; contentRange: string | undefined; type: string | undefined }[] = [];
  page.on('response', (response: Response) => {
    const { pathname } = new URL(response.url());
    if (!/^\/r\/[^/]+\/listen(\/|$)/.test(pathname)) return;
    const headers = response.headers();
    answers.push({ path: pathname, status: response.status(), range: response.request().headers().range, contentRange: headers['content-range'], type: headers['content-type'] });
  });
  return answers;
}

describeInChromium('the state changes under an open recording page', () => {
  const sessions = phoneSessions();

  test('a listening copy finished mid-listen: the open player plays on and seeks to 50:00 in the file it started with; a fresh page load plays the copy', async () => {
    const portal = sessions.portal();
    const { url, recordingId, path: linkPath } = await portal.recordingInLanguage('en', HOUR);
    const { page } = await sessions.signedIn(url);
    const answers = listenAnswers(page);
    expect(await playerSrc(page)).toBe(`${portal.origin}${linkPath}/listen/original`);
    expect(await playInPage(page)).toBeGreaterThan(0.5);
    await pause(page);

    expect(await portalServices(portal.deps).listeningCopies.runOnce()).toMatchObject({ made: 1 });
    expect((await portal.recordings.findRecording(recordingId))!.listening_status).toBe('made');
    const beforeSeek = answers.length;
    expect(await seekAndPlayOn(page, 50 * 60)).toBeGreaterThan(50 * 60 + 0.5);
    const afterCopy = answers.slice(beforeSeek);
    expect(afterCopy.length).toBeGreaterThan(0);
    for (const answer of afterCopy) expect(answer).toMatchObject({ path: `${linkPath}/listen/original`, status: 206, type: 'audio/wav', contentRange: expect.stringMatching(new RegExp(`/${HOUR.length}$`)) });
    await pause(page);

    await page.reload();
    expect(await playerSrc(page)).toBe(`${portal.origin}${linkPath}/listen/copy`);
    const beforeCopy = answers.length;
    expect(await playInPage(page)).toBeGreaterThan(0.5);
    expect(await seekAndPlayOn(page, 50 * 60)).toBeGreaterThan(50 * 60 + 0.5);
    const copyAnswers = answers.slice(beforeCopy);
    expect(copyAnswers.length).toBeGreaterThan(0);
    for (const answer of copyAnswers) expect(answer).toMatchObject({ path: `${linkPath}/listen/copy`, status: 206, type: 'audio/mp4' });
    expect(await page.evaluate((selector) => document.querySelector<HTMLAudioElement>(selector)!.duration, PLAYER)).toBeCloseTo(3600, -1);
    console.log(`Chromium's requests for the player: ${JSON.stringify(answers.map(({ path, status, range }) => ({ file: path.split('/').pop(), status, range })))}`);
  });

  const changes: { name: string; change: (portal: ReturnType<typeof sessions.portal>, recording: { recordingId: string; path: string }) => Promise<unknown>; says: string }[] = [
    { name: 'the link is reissued', change: (portal, { recordingId }) => portal.sendLink(recordingId), says: 'This link has been replaced' },
    {
      name: 'the link is locked',
      change: async (portal, { path }) => {
        // Someone else, on another phone, guesses the NINO until the link locks.
        const stranger = new ClaimantBrowser(portal.app);
        const guesses = [];
        for (let guess = 0; guess < portal.config.access.maxNinoAttempts; guess++) guesses.push((await stranger.enterNino(path, 'AB 65 43 21 D')).status);
        expect(guesses.at(-1)).toBe(403);
      },
      says: 'This link has been locked',
    },
    {
      name: 'the recording is asked to be deleted',
      change: (portal, { recordingId }) => portal.retention.requestDeletion(recordingId, 'claimant asked', portal.clock(), 'staff-1'),
      says: 'This recording is no longer available',
    },
  ];

  test.each(changes)('$name mid-listen: the player gets no more audio and the page says why', async ({ change, says }) => {
    const portal = sessions.portal();
    const recording = await portal.recordingInLanguage('en', TWENTY_MINUTES);
    const { page } = await sessions.signedIn(recording.url);
    const answers = listenAnswers(page);
    expect(await playInPage(page)).toBeGreaterThan(0.5);
    await pause(page);

    await change(portal, recording);
    const changedAt = answers.length;
    await Promise.all([
      page.waitForURL(/\/r\/[^/]+$/, { waitUntil: 'load' }),
      page.locator('h1').filter({ hasText: says }).waitFor({ timeout: 30_000 }),
      page.evaluate((selector) => {
        const player = document.querySelector<HTMLAudioElement>(selector)!;
        player.currentTime = 15 * 60;
        return player.play().catch(() => undefined);
        // (The player may have asked for its next range already, and the page be reloading.)
      }, PLAYER).catch(() => undefined),
    ]);
    // The stop came at the next range: no audio was answered after the change.
    expect(answers.slice(changedAt).filter((answer) => answer.status === 206)).toEqual([]);
    expect(answers.slice(changedAt).some((answer) => answer.status === 403 || answer.status === 410)).toBe(true);
    await screenshot(page, `state-change-${says.toLowerCase().replace(/\W+/g, '-')}`);
  });
});
