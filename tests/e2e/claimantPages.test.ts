import { HOUR, MINUTE } from '../support/testClock';
import { CLAIMANT, sha256 } from '../support/testPortal';
import { downloadRecording, enterNino, focusState, playInPage, tabTo } from '../support/e2e/claimant';
import { attribute, htmlLang, isVisible, mainHeading, text, waitForHidden, waitForVisible, type DeviceName, type EnginePage, type PageOptions } from '../support/e2e/enginePage';
import { checkPage, describeInEngines, screenshot, testNeeding } from '../support/e2e/engines';
import { startLivePortal, type LivePortal } from '../support/e2e/livePortal';

// A real browser on a shared two-core machine (WebKitGTK slowest): pages and axe take longer than Jest's 30 s.
jest.setTimeout(180_000);

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

describeInEngines('claimant pages', (engine, engineName) => {
  let portal: LivePortal;
  beforeEach(async () => {
    portal = await startLivePortal({}, { scheme: engine().scheme });
  });
  afterEach(async () => {
    await portal.close();
  });

  /** A new browser session (no cookies), as when the claimant opens the link again another day. */
  const newPage = (device: DeviceName, options: PageOptions = {}): Promise<EnginePage> => engine().newPage({ device, ...options });
  const goto = async (page: EnginePage, url: string) => {
    await page.goto(url);
    return portal.lastPageStatus();
  };

  describe.each([
    ['phone', 'en'],
    ['desktop', 'cy'],
  ] as [DeviceName, Language][])('the journey on a %s, in %s', (device, lang) => {
    test('open the texted link, confirm the NINO, play, download the genuine file, come back within 24 hours, then find it expired', async () => {
      const reads = READS[lang];
      const shot = (name: string) => `journey-${device}-${lang}-${name}`;
      const { url, audio, linkId } = await portal.recordingInLanguage(lang);
      const page = await newPage(device);

      expect(await goto(page, url)).toBe(200);
      expect(await htmlLang(page)).toBe(lang);
      expect(await mainHeading(page)).toBe(reads.ninoTitle);
      expect(await page.title()).toMatch(new RegExp(`^${reads.ninoTitle.replace('?', '\\?')} – `));
      expect(await attribute(page, '#nino', 'autocomplete')).toBe('off');
      expect(await attribute(page, '#nino', 'spellcheck')).toBe('false');
      expect(await attribute(page, '#nino', 'inputmode')).toBe('text');
      expect(await attribute(page, '#nino', 'autocapitalize')).toBe('characters');
      await checkPage(page, shot('1-enter-nino'));

      expect(await enterNino(page, portal, '')).toBe(400);
      expect(await page.title()).toMatch(new RegExp(`^${reads.errorPrefix} `));
      expect(await text(page, '.govuk-error-summary')).toContain(reads.emptyNino);
      await checkPage(page, shot('2-nino-error'));

      expect(await enterNino(page, portal, 'ab 12 34 56 c')).toBe(200);
      expect(await mainHeading(page)).toBe(reads.recordingTitle);
      expect(await text(page, '[data-qa=fingerprint]')).toBe(sha256(audio));
      await checkPage(page, shot('3-recording'));

      expect(await playInPage(page)).toBeGreaterThan(0.5);

      expect((await portal.links.findLink(linkId))!.download_count).toBe(0);
      const first = await downloadRecording(engine(), page, portal);
      expect(first.sha256).toBe(sha256(audio));
      // Firefox numbers a name already in its download folder ("…(2).wav"); the name it was offered is the same.
      if (engine().savesDownloads) expect(first.name).toMatch(/^assessment-recording-\d{4}-\d{2}-\d{2}(\(\d+\))?\.wav$/);

      portal.clock.advance(23 * HOUR);
      const nextDay = await newPage(device);
      await nextDay.goto(url);
      expect(await mainHeading(nextDay)).toBe(reads.ninoTitle);
      await enterNino(nextDay, portal, CLAIMANT.nino);
      expect(await text(nextDay, 'main')).toContain(reads.downloadedAlready);
      await checkPage(nextDay, shot('4-recording-downloaded'));
      expect((await downloadRecording(engine(), nextDay, portal)).sha256).toBe(sha256(audio));

      portal.clock.advance(HOUR);
      await nextDay.reload();
      expect(portal.lastPageStatus()).toBe(410);
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
        const answered = await goto(page, `${portal.origin}${path}`);
        expect({ path: name, status: answered, heading: await mainHeading(page), lang: await htmlLang(page) }).toEqual({ path: name, status, heading, lang });
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
        expect(await enterNino(page, portal, WRONG_NINO)).toBe(400);
        expect(await text(page, '.govuk-error-summary')).toContain(reads.triesLeft(5 - attempt));
      }
      await checkPage(page, shot('nino-wrong'));
      expect(await enterNino(page, portal, WRONG_NINO)).toBe(403);
      expect(await mainHeading(page)).toBe(reads.locked);
      await checkPage(page, shot('link-locked'));

      const second = await portal.sendLink(recordingId, '--reason', 'locked after wrong entries');
      await visit(path, 410, reads.replaced, 'link-replaced');
      await page.goto(portal.urlFor(second.message.url));
      await enterNino(page, portal, CLAIMANT.nino);
      expect(await mainHeading(page)).toBe(reads.recordingTitle);
      await page.click('[data-qa=support] summary');
      await checkPage(page, shot('recording-support-open'));

      const pressedAt = Date.now();
      await downloadRecording(engine(), page, portal);
      // The page still holds the button it was given; pressing it again after the double-click guard (1 s) is a replay.
      await page.waitForFunction((until) => Date.now() > until, pressedAt + 1100);
      await page.navigates(() => page.click('[data-qa=download]'));
      expect(portal.lastPageStatus()).toBe(409);
      expect(await mainHeading(page)).toBe(reads.buttonUsed);
      await checkPage(page, shot('download-button-used'));
    });
  });

  test('a recording marked Welsh opens in Welsh; the toggle switches to English, and the choice is remembered', async () => {
    const { url } = await portal.recordingInLanguage('cy');
    const page = await newPage('phone');
    await page.goto(url);
    expect(await htmlLang(page)).toBe('cy');
    expect(await text(page, '.govuk-language-navigation [aria-current=true]')).toBe('Cymraeg');

    const english = '.govuk-language-navigation a[hreflang=en]';
    expect(await attribute(page, english, 'lang')).toBe('en');
    await page.navigates(() => page.click(english));
    expect(await htmlLang(page)).toBe('en');
    expect(await mainHeading(page)).toBe(READS.en.ninoTitle);
    await screenshot(page, 'language-toggle-phone-en');

    await enterNino(page, portal, CLAIMANT.nino);
    expect(await mainHeading(page)).toBe(READS.en.recordingTitle);
    await page.navigates(() => page.click('[data-qa=help-link]'));
    expect(await htmlLang(page)).toBe('en');
    expect(await mainHeading(page)).toBe(READS.en.help);
  });

  test('on plain http a browser that drops the Secure session cookie is told cookies are needed, never sent round the NINO form', async () => {
    const onHttp = await startLivePortal();
    try {
      const { url } = await onHttp.recordingInLanguage('en');
      const page = await newPage('phone');
      await page.goto(url);
      await enterNino(page, onHttp, CLAIMANT.nino);
      // Chromium and Firefox keep a Secure cookie on http://127.0.0.1 (a trustworthy origin); WebKit (and Safari) drop it.
      const expected = engineName === 'webkit' ? 'Your browser needs to accept cookies' : READS.en.recordingTitle;
      expect(await mainHeading(page)).toBe(expected);
      await checkPage(page, 'cookies-on-http');
    } finally {
      await onHttp.close();
    }
  });

  test('keyboard only: Tab to the field, type, Enter; the error summary takes focus and leads back to the field; then download', async () => {
    const { url, audio } = await portal.recordingInLanguage('en');
    const page = await newPage('desktop');
    await page.goto(url);

    await tabTo(page, '#nino');
    await page.type('12345');
    await page.navigates(() => page.press('Enter'));
    expect(await page.title()).toMatch(/^Error: What is your National Insurance number\? – /);
    await page.waitForFunction(() => document.activeElement?.classList.contains('govuk-error-summary'), null);
    expect(await attribute(page, '.govuk-error-summary__list a', 'href')).toBe('#nino');
    expect(await text(page, '.govuk-error-summary__list a')).toBe('Enter a National Insurance number in the correct format, like QQ 12 34 56 C');
    await screenshot(page, 'keyboard-desktop-en-1-error-summary-focused');

    await page.press('Tab');
    expect(await focusState(page)).toMatchObject({ tag: 'A', visible: true });
    await page.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'nino', null);
    await page.press('Control+a');
    await page.type(CLAIMANT.nino);
    await page.navigates(() => page.press('Enter'));
    expect(await mainHeading(page)).toBe(READS.en.recordingTitle);

    await tabTo(page, '[data-qa=download]');
    await screenshot(page, 'keyboard-desktop-en-2-download-focused');
    const saved = await downloadRecording(engine(), page, portal, () => page.press('Enter'));
    expect(saved.sha256).toBe(sha256(audio));
  });

  testNeeding(engineName, 'turnOffScripts', 'without JavaScript the whole journey works, including the download and staying signed in', async () => {
    const { url, audio } = await portal.recordingInLanguage('en');
    const page = await newPage('phone', { javaScript: false });
    await page.goto(url);
    expect(await page.evaluate(() => 1, null)).toBe(1); // evaluation still works for the test itself
    expect(await attribute(page, 'body', 'class')).not.toContain('js-enabled');
    await enterNino(page, portal, CLAIMANT.nino);
    expect(await mainHeading(page)).toBe(READS.en.recordingTitle);

    expect(await text(page, '[data-qa=session-notice]')).toMatch(/^For your security, we will sign you out of this page at \d{1,2}(:\d{2})?(am|pm)\./);
    expect(await isVisible(page, '[data-qa=session-dialog]')).toBe(false);
    await screenshot(page, 'no-js-phone-en-recording');

    portal.clock.advance(15 * MINUTE);
    await page.navigates(() => page.click('[data-qa=stay-signed-in]'));
    expect(portal.lastPageStatus()).toBe(200);
    expect(new URL(await page.url()).hash).toBe('#session');
    portal.clock.advance(15 * MINUTE);
    await page.reload();
    expect(await mainHeading(page)).toBe(READS.en.recordingTitle);

    expect((await downloadRecording(engine(), page, portal)).sha256).toBe(sha256(audio));
  });

  test.each(['en', 'cy'] as Language[])(
    'in %s, with JavaScript, the page warns before the session ends and "stay signed in" keeps the claimant where they are',
    async (lang) => {
      const reads = READS[lang];
      const { url, audio } = await portal.recordingInLanguage(lang);
      const page = await newPage('desktop');
      await page.goto(url);
      await enterNino(page, portal, CLAIMANT.nino);
      const dialog = '[data-qa=session-dialog]';
      expect(await isVisible(page, dialog)).toBe(false);

      // 19 of the 20 minutes gone: the page arrives with a minute left, so the warning shows at once.
      portal.clock.advance(19 * MINUTE);
      await page.reload();
      await waitForVisible(page, dialog);
      expect(await text(page, `${dialog} h2`)).toBe(reads.dialog);
      await page.waitForFunction(() => (document.activeElement as HTMLElement | null)?.dataset.qa === 'dialog-stay-signed-in', null);
      await checkPage(page, `session-warning-desktop-${lang}`);

      await page.evaluate(() => void Object.assign(window, { stillTheSamePage: true }), null);
      await page.press('Enter');
      await waitForHidden(page, dialog);
      await page.waitForFunction((words) => document.querySelector('[data-qa=session-status]')?.textContent?.includes(words), reads.stayedSignedIn);

      // Past the old end: the renewed session and the renewed download button both still work, on the same page.
      portal.clock.advance(5 * MINUTE);
      expect((await downloadRecording(engine(), page, portal)).sha256).toBe(sha256(audio));
      expect(await page.evaluate(() => (window as unknown as { stillTheSamePage?: boolean }).stillTheSamePage, null)).toBe(true);

      // Left alone past the end, the claimant is asked for the NINO again, with a plain explanation.
      portal.clock.advance(21 * MINUTE);
      await page.reload();
      expect(await mainHeading(page)).toBe(reads.ninoTitle);
      expect(await text(page, '.govuk-notification-banner')).toContain(reads.sessionEnded);
      await checkPage(page, `session-ended-desktop-${lang}`);
    },
  );

  test('help sits in the same place on every page: the contact route last in the content, help and the accessibility statement in the footer', async () => {
    const { url } = await portal.recordingInLanguage('en');
    const page = await newPage('desktop');
    const helpLayout = () =>
      page.evaluate(() => {
        const column = document.querySelector('main .govuk-grid-column-two-thirds')!;
        const contact = document.querySelector('[data-qa=contact]')!;
        const footerLinks = [...document.querySelectorAll('footer .govuk-footer__inline-list a')].map((a) => `${a.textContent!.trim()} ${a.getAttribute('href')}`);
        return { contactIsLast: column.lastElementChild === contact, contactLeft: contact.getBoundingClientRect().left, footerLinks };
      }, null);
    const layouts = [];
    for (const path of ['/', '/help', '/accessibility', '/nowhere', new URL(url).pathname]) {
      await page.goto(`${portal.origin}${path}`);
      layouts.push(await helpLayout());
    }
    await enterNino(page, portal, CLAIMANT.nino);
    layouts.push(await helpLayout());
    expect(layouts[0]).toEqual({
      contactIsLast: true,
      contactLeft: expect.any(Number),
      footerLinks: ['Help using this service /help?lang=en', 'Accessibility statement /accessibility?lang=en'],
    });
    for (const layout of layouts) expect(layout).toEqual(layouts[0]);
  });
});
