import { demoAudio } from '../../server/demoAudio';
import { ClaimantBrowser } from '../support/claimantBrowser';
import { expectAudioRequestsOf, holdPlayerUntil, listenAnswers, sayingRequestsIfItFails, sentAudio } from '../support/e2e/audioRequests';
import { playInPage, seekAndPlayOn, signedIn } from '../support/e2e/claimant';
import { mainHeading, type EnginePage } from '../support/e2e/enginePage';
import { describeInEngines, screenshot, testNeeding } from '../support/e2e/engines';
import { startLivePortal, type LivePortal } from '../support/e2e/livePortal';

// A real browser, ffmpeg making a phone copy of an hour of audio, on a shared two-core machine.
jest.setTimeout(180_000);

// A 60-minute assessment as 8 kHz WAV (58 MB): large enough by the rule to get a phone copy.
const HOUR = demoAudio(60 * 60, 8_000);
// 20 minutes (19 MB, five slices) where only the stop matters.
const TWENTY_MINUTES = demoAudio(20 * 60, 8_000);

const PLAYER = '[data-qa=player]';

const pause = (page: EnginePage) => page.evaluate((selector) => document.querySelector<HTMLAudioElement>(selector)!.pause(), PLAYER);
const playerSrc = (page: EnginePage) => page.evaluate((selector) => document.querySelector<HTMLAudioElement>(selector)!.src, PLAYER);
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
    expect(await sayingRequestsIfItFails(portal, engineName, start, () => seekAndPlayOn(page, 50 * 60))).toBeGreaterThan(50 * 60 + 0.5);
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
    expectAudioRequestsOf(engineName, listenAnswers(portal, start).filter((answer) => answer.path.endsWith('/original')), HOUR.length, 'the original, seek to 50:00 after the copy is made');
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
    const hold = holdPlayerUntil(portal);
    const page = await signedIn(engine(), portal, recording.url);
    expect(await playInPage(page)).toBeGreaterThan(0.5);
    await pause(page);

    await change(recording);
    const changedAt = portal.arrivals();
    hold.changed();
    await page
      .evaluate((selector) => {
        const player = document.querySelector<HTMLAudioElement>(selector)!;
        player.currentTime = 15 * 60;
        return player.play().catch(() => undefined);
      }, PLAYER)
      .catch(() => undefined); // (the page may be leaving already)
    await sayingRequestsIfItFails(portal, engineName, 0, () => page.waitForFunction((words) => document.readyState === 'complete' && document.querySelector('h1')?.textContent?.includes(words), says, 60_000));
    expect(new URL(await page.url()).pathname).toMatch(/^\/r\/[^/]+$/);
    expect(await mainHeading(page)).toBe(says);
    // The stop came at the next request: no audio was answered to a request made after the change.
    const after = listenAnswers(portal, changedAt);
    expect(after.filter(sentAudio)).toEqual([]);
    // The refusal: of the request held over the change, or of one made after it.
    expect(listenAnswers(portal).filter((a) => a.path.startsWith(recording.path)).some((answer) => answer.status === 403 || answer.status === 410)).toBe(true);
    expectAudioRequestsOf(engineName, listenAnswers(portal).filter((a) => a.path.startsWith(recording.path)), TWENTY_MINUTES.length, says);
    await screenshot(page, `state-change-${says.toLowerCase().replace(/\W+/g, '-')}`);
  });
});
