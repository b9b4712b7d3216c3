import { DEMO, DEMO_SECONDS, seedDemo } from '../../server/demo';
import { demoSegments } from '../../server/demoAudio';
import { enterNino, playInPage } from '../support/e2e/claimant';
import { count, isVisible, textContent, waitForVisible } from '../support/e2e/enginePage';
import { checkPage, describeInEngines } from '../support/e2e/engines';
import { startLivePortal, type LivePortal } from '../support/e2e/livePortal';

jest.setTimeout(180_000);

// What `npm start` makes on a fresh DATA_DIR: the demo recording, its transcript and its texted link.
const SEGMENTS = demoSegments(DEMO_SECONDS);

describeInEngines('the demo a newcomer opens on the first start', (engine) => {
  let portal: LivePortal;
  beforeAll(async () => {
    portal = await startLivePortal({}, { scheme: engine().scheme });
  });
  afterAll(async () => {
    await portal?.close();
  });

  test('shows the player, moments and a transcript whose cues follow the chimed phrases, the cue highlighted as each plays', async () => {
    const seeded = await seedDemo(portal.recordings, portal.services);
    if (!seeded.created) throw new Error('the demo was already there');
    const page = await engine().newPage({ device: 'phone' });
    await page.goto(portal.urlFor(seeded.url));
    await enterNino(page, portal, DEMO.nino);
    await waitForVisible(page, '[data-qa=transcript-search]');
    expect(await isVisible(page, '[data-qa=player]')).toBe(true);
    expect(await isVisible(page, '[data-qa=moments]')).toBe(true);
    // The page holds the first cues; its script loads the rest, one cue per phrase of the audio.
    await page.waitForFunction((n) => document.querySelectorAll('[data-qa=cue]').length === n, SEGMENTS.length);
    expect(await count(page, '[data-qa=cue]')).toBe(SEGMENTS.length);
    await checkPage(page, 'demo-phone');

    expect(await playInPage(page, 0.3)).toBeGreaterThan(0.3);
    await page.waitForFunction(() => document.querySelector('[data-qa=cue][aria-current=true] [data-cue-text]')?.textContent?.startsWith('Assessor: Thank you for joining'), null);
    // The third phrase: its cue starts as its chime does, so going there highlights it.
    const third = SEGMENTS[2];
    await page.evaluate((at) => {
      const player = document.querySelector<HTMLAudioElement>('[data-qa=player]')!;
      player.pause();
      player.currentTime = at;
    }, third.start + 0.2);
    await page.waitForFunction(() => document.querySelector('[data-qa=cue][aria-current=true] [data-cue-text]')?.textContent?.startsWith('Assessor: Can you tell me about a typical day'), null);
    expect(await textContent(page, '[data-qa=cue][aria-current=true] [data-cue-text]')).toBe('Assessor: Can you tell me about a typical day, from when you wake up?');
  });
});
