import { demoAudio } from '../../server/demoAudio';
import { ClaimantBrowser } from '../support/claimantBrowser';
import { playInPage, signedIn } from '../support/e2e/claimant';
import { mainHeading, type EnginePage } from '../support/e2e/enginePage';
import { describeInEngines, screenshot, testNeeding } from '../support/e2e/engines';
import { startLivePortal, type Answer, type LivePortal } from '../support/e2e/livePortal';

// A real browser, ffmpeg making a phone copy of an hour of audio, on a shared two-core machine.
jest.setTimeout(180_000);

// A 60-minute assessment as 8 kHz WAV (58 MB): large enough by the rule to get a phone copy.
const HOUR = demoAudio(60 * 60, 8_000);
// 20 minutes (19 MB, five slices) where only the stop matters.
const TWENTY_MINUTES = demoAudio(20 * 60, 8_000);

const PLAYER = '[data-qa=player]';

/** Seeks the player and waits until it can play on from there and its clock moves. */
async function seekAndPlayOn(page: EnginePage, to: number) {
  await page.evaluate(([selector, time]) => {
    const player = document.querySelector<HTMLAudioElement>(selector as string)!;
    player.currentTime = time as number;
    return player.play();
  }, [PLAYER, to] as const);
  await page.waitForFunction(([selector, from]) => {
    const player = document.querySelector<HTMLAudioElement>(selector as string)!;
    return player.readyState >= 3 && player.currentTime > (from as number) + 0.5;
  }, [PLAYER, to] as const, 60_000);
  return page.evaluate((selector) => document.querySelector<HTMLAudioElement>(selector)!.currentTime, PLAYER);
}

const pause = (page: EnginePage) => page.evaluate((selector) => document.querySelector<HTMLAudioElement>(selector)!.pause(), PLAYER);
const playerSrc = (page: EnginePage) => page.evaluate((selector) => document.querySelector<HTMLAudioElement>(selector)!.src, PLAYER);
/** Every answer the portal gave the player (read on the portal's side, the same in every engine), from `from` on. */
const listenAnswers = (portal: LivePortal, from = 0): Answer[] => portal.answers.filter((answer) => answer.arrived >= from && /^\/r\/[^/]+\/listen(\/|$)/.test(answer.path));
/** Audio sent: a range (206), or the whole file (200, which WebKitGTK asks for with no Range). */
const sentAudio = (answer: Answer) => answer.status === 206 || (answer.status === 200 && /^audio\//.test(answer.contentType ?? ''));

describeInEngines('the state changes under an open recording page', (engine, engineName) => {
  let portal: LivePortal;
  beforeAll(async () => {
    portal = await startLivePortal({}, { scheme: engine().scheme });
  });
  afterAll(async () => {
    await portal?.close();
  });

  testNeeding(engineName, 'seekFarInLongWav', 'a listening copy finished mid-listen: the open player plays on and seeks to 50:00 in the file it started with; a fresh page load plays the copy', async () => {
    const { url, recordingId, path: linkPath } = await portal.recordingInLanguage('en', HOUR);
    const page = await signedIn(engine(), portal, url);
    const start = portal.arrivals();
    expect(await playerSrc(page)).toBe(`${portal.origin}${linkPath}/listen/original`);
    expect(await playInPage(page)).toBeGreaterThan(0.5);
    await pause(page);

    expect(await portal.services.listeningCopies.runOnce()).toMatchObject({ made: 1 });
    expect((await portal.recordings.findRecording(recordingId))!.listening_status).toBe('made');
    const beforeSeek = portal.arrivals();
    expect(await seekAndPlayOn(page, 50 * 60)).toBeGreaterThan(50 * 60 + 0.5);
    // Every answer after the copy is still the original (WebKitGTK may read on in the answer it already has).
    for (const answer of listenAnswers(portal, beforeSeek)) expect(answer).toMatchObject({ path: `${linkPath}/listen/original`, contentType: 'audio/wav' });
    await pause(page);

    await page.reload();
    expect(await playerSrc(page)).toBe(`${portal.origin}${linkPath}/listen/copy`);
    const beforeCopy = portal.arrivals();
    expect(await playInPage(page)).toBeGreaterThan(0.5);
    expect(await seekAndPlayOn(page, 50 * 60)).toBeGreaterThan(50 * 60 + 0.5);
    const copyAnswers = listenAnswers(portal, beforeCopy).filter(sentAudio);
    expect(copyAnswers.length).toBeGreaterThan(0);
    for (const answer of copyAnswers) expect(answer).toMatchObject({ path: `${linkPath}/listen/copy`, contentType: 'audio/mp4' });
    expect(await page.evaluate((selector) => document.querySelector<HTMLAudioElement>(selector)!.duration, PLAYER)).toBeCloseTo(3600, -1);
    console.log(`${engineName}'s requests for the player: ${JSON.stringify(listenAnswers(portal, start).map(({ path, status, range, contentRange }) => ({ file: path.split('/').pop(), status, range, contentRange })))}`);
  });

  const changes: { name: string; change: (recording: { recordingId: string; path: string }) => Promise<unknown>; says: string }[] = [
    { name: 'the link is reissued', change: ({ recordingId }) => portal.sendLink(recordingId), says: 'This link has been replaced' },
    {
      name: 'the link is locked',
      change: async ({ path }) => {
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
      change: ({ recordingId }) => portal.retention.requestDeletion(recordingId, 'claimant asked', portal.clock(), 'staff-1'),
      says: 'This recording is no longer available',
    },
  ];

  test.each(changes)('$name mid-listen: the player gets no more audio and the page says why', async ({ change, says }) => {
    const recording = await portal.recordingInLanguage('en', TWENTY_MINUTES);
    const page = await signedIn(engine(), portal, recording.url);
    expect(await playInPage(page)).toBeGreaterThan(0.5);
    await pause(page);

    await change(recording);
    const changedAt = portal.arrivals();
    await page
      .evaluate((selector) => {
        const player = document.querySelector<HTMLAudioElement>(selector)!;
        player.currentTime = 15 * 60;
        return player.play().catch(() => undefined);
      }, PLAYER)
      .catch(() => undefined); // (the page may be leaving already)
    await page.waitForFunction((words) => document.readyState === 'complete' && document.querySelector('h1')?.textContent?.includes(words), says, 60_000);
    expect(new URL(await page.url()).pathname).toMatch(/^\/r\/[^/]+$/);
    expect(await mainHeading(page)).toBe(says);
    // The stop came at the next request: no audio was answered to a request made after the change.
    const after = listenAnswers(portal, changedAt);
    expect(after.filter(sentAudio)).toEqual([]);
    expect(after.some((answer) => answer.status === 403 || answer.status === 410)).toBe(true);
    console.log(`${engineName}'s requests for the player (${says}): ${JSON.stringify(listenAnswers(portal).filter((a) => a.path.startsWith(recording.path)).map(({ arrived, status, range, contentRange, cut }) => ({ arrived, status, range, contentRange, cut })))}`);
    await screenshot(page, `state-change-${says.toLowerCase().replace(/\W+/g, '-')}`);
  });
});
