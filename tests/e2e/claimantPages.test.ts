import type { Browser, BrowserContext, Page } from 'playwright-core';
import { HOUR, MINUTE } from '../../scripts/support/testClock';
import { CLAIMANT, sha256 } from '../../scripts/support/testPortal';
import { checkPage, DEVICES, describeInChromium, launchChromium, screenshot, type DeviceName } from './support/chromium';
import { startLivePortal, type LivePortal } from './support/livePortal';
import { downloadRecording, enterNino, focusState, htmlLang, mainHeading, playInPage, tabTo } from './support/pages';

// A real browser on a shared two-core machine: pages and axe can take longer than Jest's 30 s.
jest.setTimeout(60_000);

const WRONG_NINO = 'AB 65 43 21 D';

/** The words the tests look for, per language: what a claimant reads on each page. */
const READS = {
  en: {
    ninoTitle: 'What is your National Insurance number?',
    recordingTitle: 'Your assessment recording',
    errorPrefix: 'Error:',
    emptyNino: 'Enter your National Insurance number',
    downloadedAlready: 'You have downloaded this recording',
    expired: 'This link has expired',
    locked: 'This link has been locked',
    replaced: 'This link has been replaced',
    notRecognised: 'This link is not recognised',
    notFound: 'Page not found',
    buttonUsed: 'This download button has already been used',
    triesLeft: (n: number) => `You have ${n} ${n === 1 ? 'try' : 'tries'} left`,
    help: 'Help with your assessment recording',
    accessibility: 'Accessibility statement for Get your assessment recording',
    start: 'Get your assessment recording',
    sessionEnded: 'For your security, you need to enter your National Insurance number again',
    dialog: 'You’re about to be signed out',
    stayedSignedIn: 'You will stay signed in until',
  },
  cy: {
    ninoTitle: 'Beth yw eich rhif Yswiriant Gwladol?',
    recordingTitle: 'Recordiad o’ch asesiad',
    errorPrefix: 'Gwall:',
    emptyNino: 'Rhowch eich rhif Yswiriant Gwladol',
    downloadedAlready: 'Rydych wedi lawrlwytho’r recordiad hwn',
    expired: 'Mae’r ddolen hon wedi dod i ben',
    locked: 'Mae’r ddolen hon wedi cael ei chloi',
    replaced: 'Mae’r ddolen hon wedi cael ei disodli',
    notRecognised: 'Nid yw’r ddolen hon yn cael ei hadnabod',
    notFound: 'Heb ddod o hyd i’r dudalen',
    buttonUsed: 'Mae’r botwm lawrlwytho hwn eisoes wedi cael ei ddefnyddio',
    triesLeft: (n: number) => `Mae gennych ${n} cynnig ar ôl`,
    help: 'Help gyda recordiad eich asesiad',
    accessibility: 'Datganiad hygyrchedd ar gyfer Cael recordiad o’ch asesiad',
    start: 'Cael recordiad o’ch asesiad',
    sessionEnded: 'Er eich diogelwch, mae angen i chi roi eich rhif Yswiriant Gwladol eto',
    dialog: 'Rydych ar fin cael eich allgofnodi',
    stayedSignedIn: 'Byddwch yn parhau i fod wedi mewngofnodi tan',
  },
} as const;
type Language = keyof typeof READS;

describeInChromium('claimant pages in headless Chromium', () => {
  let browser: Browser;
  let portal: LivePortal;
  const contexts: BrowserContext[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    portal = await startLivePortal();
  });
  afterEach(async () => {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
    await portal.close();
  });

  /** A new browser session (no cookies), as when the claimant opens the link again another day. */
  async function newPage(device: DeviceName, options: { javaScriptEnabled?: boolean } = {}): Promise<Page> {
    const context = await browser.newContext({ ...DEVICES[device], acceptDownloads: true, ...options });
    contexts.push(context);
    return context.newPage();
  }

  describe.each([
    ['phone', 'en'],
    ['desktop', 'cy'],
  ] as [DeviceName, Language][])('the journey on a %s, in %s', (device, lang) => {
    test('open the texted link, confirm the NINO, play, download the genuine file, come back within 24 hours, then find it expired', async () => {
      const reads = READS[lang];
      const shot = (name: string) => `journey-${device}-${lang}-${name}`;
      const { url, audio, linkId } = await portal.recordingInLanguage(lang);
      const page = await newPage(device);

      const landing = await page.goto(url);
      expect(landing?.status()).toBe(200);
      expect(await htmlLang(page)).toBe(lang);
      expect(await mainHeading(page)).toBe(reads.ninoTitle);
      expect(await page.title()).toMatch(new RegExp(`^${reads.ninoTitle.replace('?', '\\?')} – `));
      const field = page.locator('#nino');
      expect(await field.getAttribute('autocomplete')).toBe('off');
      expect(await field.getAttribute('spellcheck')).toBe('false');
      expect(await field.getAttribute('inputmode')).toBe('text');
      expect(await field.getAttribute('autocapitalize')).toBe('characters');
      await checkPage(page, shot('1-enter-nino'));

      const empty = await enterNino(page, '');
      expect(empty?.status()).toBe(400);
      expect(await page.title()).toMatch(new RegExp(`^${reads.errorPrefix} `));
      expect(await page.locator('.govuk-error-summary').innerText()).toContain(reads.emptyNino);
      await checkPage(page, shot('2-nino-error'));

      const signedIn = await enterNino(page, 'ab 12 34 56 c');
      expect(signedIn?.status()).toBe(200);
      expect(await mainHeading(page)).toBe(reads.recordingTitle);
      expect(await page.locator('[data-qa=fingerprint]').innerText()).toBe(sha256(audio));
      await checkPage(page, shot('3-recording'));

      expect(await playInPage(page)).toBeGreaterThan(0.5);
      expect((await portal.links.findLink(linkId))!.download_count).toBe(0);

      const first = await downloadRecording(page);
      expect(first.sha256).toBe(sha256(audio));
      expect(first.name).toMatch(/^assessment-recording-\d{4}-\d{2}-\d{2}\.wav$/);

      portal.clock.advance(23 * HOUR);
      const nextDay = await newPage(device);
      await nextDay.goto(url);
      expect(await mainHeading(nextDay)).toBe(reads.ninoTitle);
      await enterNino(nextDay, CLAIMANT.nino);
      expect(await nextDay.locator('main').innerText()).toContain(reads.downloadedAlready);
      await checkPage(nextDay, shot('4-recording-downloaded'));
      expect((await downloadRecording(nextDay)).sha256).toBe(sha256(audio));

      portal.clock.advance(HOUR);
      const expired = await nextDay.reload();
      expect(expired?.status()).toBe(410);
      expect(await mainHeading(nextDay)).toBe(reads.expired);
      await checkPage(nextDay, shot('5-expired'));
    });
  });

  describe.each(['en', 'cy'] as Language[])('every page a claimant can reach, in %s', (lang) => {
    test.each(['phone', 'desktop'] as DeviceName[])('on a %s: the right words, in the right language, with no WCAG 2.2 A or AA failures', async (device) => {
      const reads = READS[lang];
      const shot = (name: string) => `pages-${device}-${lang}-${name}`;
      const page = await newPage(device);
      const visit = async (path: string, status: number, heading: string, name: string) => {
        const response = await page.goto(`${portal.origin}${path}`);
        expect({ path: name, status: response?.status(), heading: await mainHeading(page), lang: await htmlLang(page) }).toEqual({ path: name, status, heading, lang });
        await checkPage(page, shot(name));
      };

      // The language is chosen with the toggle; the choice is remembered from then on.
      await page.goto(`${portal.origin}/?lang=${lang}`);
      await visit('/', 200, reads.start, 'start');
      await visit('/help', 200, reads.help, 'help');
      await visit('/accessibility', 200, reads.accessibility, 'accessibility');
      await visit('/nowhere', 404, reads.notFound, 'page-not-found');
      await visit('/r/k1.not-a-real-token', 404, reads.notRecognised, 'link-not-recognised');

      const { url, path, recordingId } = await portal.recordingInLanguage('en');
      await page.goto(url);
      for (let attempt = 1; attempt <= 4; attempt++) {
        expect((await enterNino(page, WRONG_NINO))?.status()).toBe(400);
        expect(await page.locator('.govuk-error-summary').innerText()).toContain(reads.triesLeft(5 - attempt));
      }
      await checkPage(page, shot('nino-wrong'));
      expect((await enterNino(page, WRONG_NINO))?.status()).toBe(403);
      expect(await mainHeading(page)).toBe(reads.locked);
      await checkPage(page, shot('link-locked'));

      const second = await portal.sendLink(recordingId, '--reason', 'locked after wrong entries');
      await visit(path, 410, reads.replaced, 'link-replaced');
      await page.goto(portal.urlFor(second.message.url));
      await enterNino(page, CLAIMANT.nino);
      expect(await mainHeading(page)).toBe(reads.recordingTitle);
      await page.click('[data-qa=support] summary');
      await checkPage(page, shot('recording-support-open'));

      await downloadRecording(page);
      // The page still holds the button it was given; pressing it again after the double-click guard is a replay.
      await page.waitForTimeout(1100);
      const [replay] = await Promise.all([page.waitForNavigation(), page.click('[data-qa=download]')]);
      expect(replay?.status()).toBe(409);
      expect(await mainHeading(page)).toBe(reads.buttonUsed);
      await checkPage(page, shot('download-button-used'));
    });
  });

  test('a recording marked Welsh opens in Welsh; the toggle switches to English, and the choice is remembered', async () => {
    const { url } = await portal.recordingInLanguage('cy');
    const page = await newPage('phone');
    await page.goto(url);
    expect(await htmlLang(page)).toBe('cy');
    expect(await page.locator('.govuk-language-navigation [aria-current=true]').innerText()).toBe('Cymraeg');

    const english = page.locator('.govuk-language-navigation a[hreflang=en]');
    expect(await english.getAttribute('lang')).toBe('en');
    await Promise.all([page.waitForNavigation(), english.click()]);
    expect(await htmlLang(page)).toBe('en');
    expect(await mainHeading(page)).toBe(READS.en.ninoTitle);
    await screenshot(page, 'language-toggle-phone-en');

    await enterNino(page, CLAIMANT.nino);
    expect(await mainHeading(page)).toBe(READS.en.recordingTitle);
    await Promise.all([page.waitForNavigation(), page.click('[data-qa=help-link]')]);
    expect(await htmlLang(page)).toBe('en');
    expect(await mainHeading(page)).toBe(READS.en.help);
  });

  test('keyboard only: Tab to the field, type, Enter; the error summary takes focus and leads back to the field; then download', async () => {
    const { url, audio } = await portal.recordingInLanguage('en');
    const page = await newPage('desktop');
    await page.goto(url);

    await tabTo(page, '#nino');
    await page.keyboard.type('12345');
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(await page.title()).toMatch(/^Error: What is your National Insurance number\? – /);
    await page.waitForFunction(() => document.activeElement?.classList.contains('govuk-error-summary'));
    const errorLink = page.locator('.govuk-error-summary__list a');
    expect(await errorLink.getAttribute('href')).toBe('#nino');
    expect(await errorLink.innerText()).toBe('Enter a National Insurance number in the correct format, like QQ 12 34 56 C');
    await screenshot(page, 'keyboard-desktop-en-1-error-summary-focused');

    await page.keyboard.press('Tab');
    expect(await focusState(page)).toMatchObject({ tag: 'A', visible: true });
    await page.keyboard.press('Enter');
    expect((await focusState(page)).id).toBe('nino');
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(CLAIMANT.nino);
    await Promise.all([page.waitForNavigation(), page.keyboard.press('Enter')]);
    expect(await mainHeading(page)).toBe(READS.en.recordingTitle);

    await tabTo(page, '[data-qa=download]');
    await screenshot(page, 'keyboard-desktop-en-2-download-focused');
    const saved = await downloadRecording(page, () => page.keyboard.press('Enter'));
    expect(saved.sha256).toBe(sha256(audio));
  });

  test('without JavaScript the whole journey works, including the download and staying signed in', async () => {
    const { url, audio } = await portal.recordingInLanguage('en');
    const page = await newPage('phone', { javaScriptEnabled: false });
    await page.goto(url);
    expect(await page.evaluate('1')).toBe(1); // evaluation still works for the test itself
    expect(await page.getAttribute('body', 'class')).not.toContain('js-enabled');
    await enterNino(page, CLAIMANT.nino);
    expect(await mainHeading(page)).toBe(READS.en.recordingTitle);

    const notice = page.locator('[data-qa=session-notice]');
    expect(await notice.innerText()).toMatch(/^For your security, we will sign you out of this page at \d{1,2}(:\d{2})?(am|pm)\./);
    expect(await page.locator('[data-qa=session-dialog]').isVisible()).toBe(false);
    await screenshot(page, 'no-js-phone-en-recording');

    portal.clock.advance(15 * MINUTE);
    const [stayed] = await Promise.all([page.waitForNavigation(), page.click('[data-qa=stay-signed-in]')]);
    expect(stayed?.status()).toBe(200);
    expect(new URL(page.url()).hash).toBe('#session');
    portal.clock.advance(15 * MINUTE);
    await page.reload();
    expect(await mainHeading(page)).toBe(READS.en.recordingTitle);

    expect((await downloadRecording(page)).sha256).toBe(sha256(audio));
  });

  test.each(['en', 'cy'] as Language[])(
    'in %s, with JavaScript, the page warns before the session ends and "stay signed in" keeps the claimant where they are',
    async (lang) => {
      const reads = READS[lang];
      const { url, audio } = await portal.recordingInLanguage(lang);
      const page = await newPage('desktop');
      await page.goto(url);
      await enterNino(page, CLAIMANT.nino);
      const dialog = page.locator('[data-qa=session-dialog]');
      expect(await dialog.isVisible()).toBe(false);

      // 19 of the 20 minutes gone: the page arrives with a minute left, so the warning shows at once.
      portal.clock.advance(19 * MINUTE);
      await page.reload();
      await dialog.waitFor({ state: 'visible' });
      expect(await dialog.locator('h2').innerText()).toBe(reads.dialog);
      expect((await focusState(page)).qa).toBe('dialog-stay-signed-in');
      await checkPage(page, `session-warning-desktop-${lang}`);

      await page.evaluate(() => Object.assign(window, { stillTheSamePage: true }));
      await page.keyboard.press('Enter');
      await dialog.waitFor({ state: 'hidden' });
      expect(await page.locator('[data-qa=session-status]').innerText()).toContain(reads.stayedSignedIn);

      // Past the old end: the renewed session and the renewed download button both still work, on the same page.
      portal.clock.advance(5 * MINUTE);
      expect((await downloadRecording(page)).sha256).toBe(sha256(audio));
      expect(await page.evaluate(() => (window as unknown as { stillTheSamePage?: boolean }).stillTheSamePage)).toBe(true);

      // Left alone past the end, the claimant is asked for the NINO again, with a plain explanation.
      portal.clock.advance(21 * MINUTE);
      await page.reload();
      expect(await mainHeading(page)).toBe(reads.ninoTitle);
      expect(await page.locator('.govuk-notification-banner').innerText()).toContain(reads.sessionEnded);
      await checkPage(page, `session-ended-desktop-${lang}`);
    },
  );

  test('on a phone, each page transfers under 150 KB before the audio: assets are compressed and cached by content hash', async () => {
    const { url } = await portal.recordingInLanguage('en');
    const page = await newPage('phone');
    const transfers: { path: string; bytes: number; encoding?: string; cacheControl?: string }[] = [];
    page.on('requestfinished', async (request) => {
      if (request.resourceType() === 'media' || !request.url().startsWith(portal.origin)) return;
      const [sizes, headers] = await Promise.all([request.sizes(), request.response().then((r) => r?.allHeaders())]);
      // A response from the browser's cache reports no size: nothing crossed the network.
      transfers.push({ path: new URL(request.url()).pathname, bytes: Math.max(0, sizes.responseBodySize), encoding: headers?.['content-encoding'], cacheControl: headers?.['cache-control'] });
    });
    const settle = async () => {
      await page.waitForLoadState('networkidle');
      await page.evaluate(() => document.fonts.ready.then(() => undefined));
      return transfers.splice(0);
    };
    const kilobytes = (loaded: { bytes: number }[]) => loaded.reduce((sum, t) => sum + t.bytes, 0) / 1024;

    portal.requested.length = 0;
    await page.goto(url);
    const first = await settle();
    expect(kilobytes(first)).toBeLessThan(150);
    const assets = first.filter((t) => t.path.startsWith('/immutable/'));
    expect(assets.map((t) => t.path)).toEqual(
      expect.arrayContaining([expect.stringMatching(/\/govuk-frontend\.min\.css$/), expect.stringMatching(/\/govuk-frontend\.min\.js$/), expect.stringMatching(/\.woff2$/)]),
    );
    for (const asset of assets) expect(asset.cacheControl).toBe('public, max-age=31536000, immutable');
    for (const text of [first[0], ...assets.filter((t) => /\.(css|m?js|svg)$/.test(t.path))]) expect({ path: text.path, encoding: text.encoding }).toEqual({ path: text.path, encoding: 'br' });
    const fetchedByFirstPage = portal.requested.splice(0);

    await enterNino(page, CLAIMANT.nino);
    const second = await settle();
    expect(kilobytes(second)).toBeLessThan(150);
    // The next page fetches none of those assets again: the browser keeps them.
    const fetchedAgain = portal.requested.filter((path) => fetchedByFirstPage.includes(path) && path.startsWith('/immutable/'));
    expect(fetchedAgain).toEqual([]);
    expect(portal.requested.some((path) => /\/listen(\/|$)/.test(path))).toBe(false);
    console.log(`Page weight on a phone before the audio: enter NINO ${kilobytes(first).toFixed(1)} KB, recording ${kilobytes(second).toFixed(1)} KB`);
  });

  test('help sits in the same place on every page: the contact route last in the content, help and the accessibility statement in the footer', async () => {
    const { url } = await portal.recordingInLanguage('en');
    const page = await newPage('desktop');
    const helpLayout = () =>
      page.evaluate(() => {
        const column = document.querySelector('main .govuk-grid-column-two-thirds')!;
        const contact = document.querySelector('[data-qa=contact]')!;
        const footerLinks = [...document.querySelectorAll('footer .govuk-footer__inline-list a')].map((a) => `${a.textContent!.trim()} ${a.getAttribute('href')}`);
        return { contactIsLast: column.lastElementChild === contact, contactLeft: contact.getBoundingClientRect().left, footerLinks };
      });
    const layouts = [];
    for (const path of ['/', '/help', '/accessibility', '/nowhere', new URL(url).pathname]) {
      await page.goto(`${portal.origin}${path}`);
      layouts.push(await helpLayout());
    }
    await enterNino(page, CLAIMANT.nino);
    layouts.push(await helpLayout());
    expect(layouts[0]).toEqual({
      contactIsLast: true,
      contactLeft: expect.any(Number),
      footerLinks: ['Help using this service /help?lang=en', 'Accessibility statement /accessibility?lang=en'],
    });
    for (const layout of layouts) expect(layout).toEqual(layouts[0]);
  });
});
