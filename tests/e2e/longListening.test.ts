import { demoAudio } from '../../server/demoAudio';
import { MINUTE } from '../support/testClock';
import { expectAudioRequestsOf, listenAnswers, sayingRequestsIfItFails } from '../support/e2e/audioRequests';
import { enterNino, playInPage, seekAndPlayOn } from '../support/e2e/claimant';
import { text, type EnginePage } from '../support/e2e/enginePage';
import { describeInEngines, screenshot, testNeeding } from '../support/e2e/engines';
import { startLivePortal, type LivePortal } from '../support/e2e/livePortal';

// A real browser on a shared two-core machine (WebKitGTK seeks slowly): longer than Jest's 30 s.
jest.setTimeout(180_000);

// A 60-minute assessment (8 kHz WAV, 58 MB): the player has to come back to the portal for most of it.
const AUDIO = demoAudio(60 * 60, 8_000);
const LENGTH_SECONDS = 3600;
const PHONE_LINK_BYTES_PER_SECOND = 256 * 1024;

const pause = (page: EnginePage) => page.evaluate(() => document.querySelector<HTMLAudioElement>('[data-qa=player]')!.pause(), null);
// Real time has to pass here: the presigned lifetime and the bucket's idle timeout are wall-clock.
const realSeconds = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

describeInEngines('listening to a 60-minute recording on a phone', (engine, engineName) => {
  let portal: LivePortal;
  beforeEach(async () => {
    // A presigned URL would expire within the test: the player must not depend on one.
    // A phone's 2 Mbit/s: WebKitGTK reads ahead as fast as it is answered (the whole file in seconds on
    // loopback), and a test holding its requests instead stalls it, since it will not play on from a
    // seek, even into bytes it has, while a request of its own is unanswered.
    portal = await startLivePortal({ PRESIGN_TTL: '2s', S3_TIMEOUT: '3s' }, { scheme: engine().scheme, phoneLinkBytesPerSecond: PHONE_LINK_BYTES_PER_SECOND });
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
    const start = portal.arrivals();
    expect(await playInPage(page)).toBeGreaterThan(0.5);
    await realSeconds(3);
    expect(await sayingRequestsIfItFails(portal, engineName, start, () => seekAndPlayOn(page, LENGTH_SECONDS - 60))).toBeGreaterThan(LENGTH_SECONDS - 59.5);
    await pause(page);
    // Paused longer than the presigned lifetime and the bucket's idle timeout: the portal gives its
    // bucket read back, and reads again from that byte (or answers a new request) when the player asks.
    await realSeconds(4);
    const resumed = portal.arrivals();
    expect(await sayingRequestsIfItFails(portal, engineName, start, () => seekAndPlayOn(page, 30 * 60))).toBeGreaterThan(30 * 60 + 0.5);
    expect(await page.evaluate(() => document.querySelector<HTMLAudioElement>('[data-qa=player]')!.duration, null)).toBeCloseTo(LENGTH_SECONDS, 0);
    // What each engine really asks for: every seek is a request of its own, an open range answered to the end.
    expectAudioRequestsOf(engineName, listenAnswers(portal, start), AUDIO.length, 'play, seek to 59:00, pause 4 s, seek to 30:00');
    // How it resumes: Chromium and Firefox ask again from just before 30:00; WebKitGTK may play from what it has downloaded.
    const resumedWith = portal.asked.filter((request) => request.arrived >= resumed && request.path.includes('/listen'));
    process.stderr.write(`e2e audio requests: ${engineName} after the 4 s pause, seeking to 30:00: ${resumedWith.map((request) => request.range ?? 'no Range').join('; ') || 'none (played from what it had)'}\n`);
    const thirtyMinutes = 44 + 30 * 60 * 16_000;
    if (engineName !== 'webkit') expect(resumedWith.some(({ range }) => /^bytes=\d+-$/.test(range ?? '') && Math.abs(Number(range!.slice(6, -1)) - thirtyMinutes) < 1024 * 1024)).toBe(true);
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
    expect(await sayingRequestsIfItFails(portal, engineName, 0, () => seekAndPlayOn(page, 2 * 60))).toBeGreaterThan(2 * 60 + 0.5);

    // Over the phone's link the player holds at most a few minutes of audio ahead, so its seek to 50:00
    // is a request, made after the session's end: the stop is where the portal makes it.
    portal.clock.advance(20 * MINUTE);
    await page
      .evaluate(() => {
        const player = document.querySelector<HTMLAudioElement>('[data-qa=player]')!;
        player.currentTime = 50 * 60;
        return player.play().catch(() => undefined);
      }, null)
      .catch(() => undefined); // (the page may be leaving already)
    await sayingRequestsIfItFails(portal, engineName, 0, () => page.waitForFunction(() => !!document.querySelector('[data-qa=nino]') && document.readyState === 'complete', null, 60_000));
    expect(new URL(await page.url()).pathname).toMatch(/^\/r\/[^/]+$/);
    expect(await text(page, 'main')).toContain('For your security, you need to enter your National Insurance number again');
    // The stop is the portal's refusal of the player's next request, whatever that engine asked with.
    const refused = listenAnswers(portal).filter((answer) => answer.status === 403);
    expect(refused.length).toBeGreaterThanOrEqual(1);
    expect(refused[0].range).toMatch(/^bytes=\d+-$/);
    await screenshot(page, 'long-listening-session-ended');
  });
});
