import { demoAudio } from '../../server/demoAudio';
import { MINUTE } from '../support/testClock';
import { enterNino, playInPage } from '../support/e2e/claimant';
import { text, type EnginePage } from '../support/e2e/enginePage';
import { describeInEngines, screenshot, testNeeding } from '../support/e2e/engines';
import { startLivePortal, type LivePortal } from '../support/e2e/livePortal';

// A real browser on a shared two-core machine (WebKitGTK seeks slowly): longer than Jest's 30 s.
jest.setTimeout(180_000);

// A 60-minute assessment (8 kHz WAV, 58 MB): the player has to come back to the portal for most of it.
const AUDIO = demoAudio(60 * 60, 8_000);
const LENGTH_SECONDS = 3600;

/** Seeks the player and waits until it plays on from there. */
async function seekAndPlayOn(page: EnginePage, to: number): Promise<number> {
  await page.evaluate((time) => {
    const player = document.querySelector<HTMLAudioElement>('[data-qa=player]')!;
    player.currentTime = time;
    return player.play();
  }, to);
  await page.waitForFunction((from) => document.querySelector<HTMLAudioElement>('[data-qa=player]')!.currentTime > from + 0.5, to, 60_000);
  return page.evaluate(() => document.querySelector<HTMLAudioElement>('[data-qa=player]')!.currentTime, null);
}

const pause = (page: EnginePage) => page.evaluate(() => document.querySelector<HTMLAudioElement>('[data-qa=player]')!.pause(), null);
// Real time has to pass here: the presigned lifetime and the bucket's idle timeout are wall-clock.
const realSeconds = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

describeInEngines('listening to a 60-minute recording on a phone', (engine, engineName) => {
  let portal: LivePortal;
  beforeEach(async () => {
    // A presigned URL would expire within the test: the player must not depend on one.
    portal = await startLivePortal({ PRESIGN_TTL: '2s', S3_TIMEOUT: '2s' }, { scheme: engine().scheme });
  });
  afterEach(async () => {
    await portal.close();
  });

  async function recordingPage(): Promise<EnginePage> {
    const { url } = await portal.recordingInLanguage('en', AUDIO);
    const page = await engine().newPage({ device: 'phone' });
    await page.goto(url);
    await enterNino(page, portal, 'AB 12 34 56 C');
    expect(await text(page, '[data-qa=recording-details]')).toContain('60 minutes');
    return page;
  }

  testNeeding(engineName, 'seekFarInLongWav', 'plays, pauses past the presigned lifetime, seeks near the end and to the middle, and plays on each time', async () => {
    const page = await recordingPage();
    expect(await playInPage(page)).toBeGreaterThan(0.5);
    await realSeconds(3);
    expect(await seekAndPlayOn(page, LENGTH_SECONDS - 60)).toBeGreaterThan(LENGTH_SECONDS - 59.5);
    await pause(page);
    // Paused longer than the presigned lifetime and the bucket's idle timeout: the portal is asked again.
    await realSeconds(4);
    expect(await seekAndPlayOn(page, 30 * 60)).toBeGreaterThan(30 * 60 + 0.5);
    expect(await page.evaluate(() => document.querySelector<HTMLAudioElement>('[data-qa=player]')!.duration, null)).toBeCloseTo(LENGTH_SECONDS, 0);
    const listens = portal.answers.filter((answer) => answer.path.endsWith('/listen/original'));
    expect(listens.length).toBeGreaterThanOrEqual(engineName === 'webkit' ? 1 : 3);
    // What each engine really asks for (reported; WebKitGTK asks with no Range and reads on, or cancels and asks again).
    console.log(`${engineName} asked for the audio: ${JSON.stringify(listens.map(({ method, range, status, contentRange }) => ({ method, range, status, contentRange })))}`);
    await screenshot(page, 'long-listening-phone');
  });

  test('plays on after the session is renewed, and after the session ends it stops and the page says why', async () => {
    const page = await recordingPage();
    expect(await playInPage(page)).toBeGreaterThan(0.5);
    await pause(page);
    portal.clock.advance(15 * MINUTE);
    await page.click('[data-qa=stay-signed-in]');
    await page.waitForFunction(() => document.querySelector('[data-qa=session-status]')?.textContent?.includes('You will stay signed in until'), null);
    // Past the first session's end, within the renewed one.
    portal.clock.advance(10 * MINUTE);
    expect(await seekAndPlayOn(page, 20 * 60)).toBeGreaterThan(20 * 60 + 0.5);

    portal.clock.advance(20 * MINUTE);
    await page
      .evaluate(() => {
        const player = document.querySelector<HTMLAudioElement>('[data-qa=player]')!;
        player.currentTime = 50 * 60;
        return player.play().catch(() => undefined);
      }, null)
      .catch(() => undefined); // (the page may be leaving already)
    await page.waitForFunction(() => !!document.querySelector('[data-qa=nino]') && document.readyState === 'complete', null, 60_000);
    expect(new URL(await page.url()).pathname).toMatch(/^\/r\/[^/]+$/);
    expect(await text(page, 'main')).toContain('For your security, you need to enter your National Insurance number again');
    await screenshot(page, 'long-listening-session-ended');
  });
});
