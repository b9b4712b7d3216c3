import { chromium, firefox, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { VIEWPORTS, type Engine, type EngineName, type EnginePage, type PageFunction, type PageOptions } from './enginePage';

/** Debian's packages, as .ci/run installs them (CHROMIUM_PATH / FIREFOX_PATH name other builds): nothing here downloads a browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const FIREFOX_PATH = process.env.FIREFOX_PATH || '/usr/bin/firefox-esr';

/** Chromium through the DevTools protocol; stock Firefox (ESR) through WebDriver BiDi (playwright-core's `moz-firefox` channel). */
export async function launchPlaywright(name: Extract<EngineName, 'chromium' | 'firefox'>): Promise<Engine> {
  const browser: Browser =
    name === 'chromium'
      ? await chromium.launch({ executablePath: CHROMIUM_PATH, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] })
      : await firefox.launch({ channel: 'moz-firefox', executablePath: FIREFOX_PATH, headless: true });
  const contexts: BrowserContext[] = [];
  return {
    name,
    scheme: 'http',
    savesDownloads: true,
    async newPage(options: PageOptions = {}) {
      const device = options.device ?? 'phone';
      const context = await browser.newContext({
        viewport: VIEWPORTS[device],
        // Firefox over BiDi has no mobile emulation; the phone there is a phone-sized window.
        ...(device === 'phone' && name === 'chromium' ? { deviceScaleFactor: 2, isMobile: true, hasTouch: true } : {}),
        acceptDownloads: true,
        javaScriptEnabled: options.javaScript ?? true,
      });
      contexts.push(context);
      return playwrightPage(name, await context.newPage());
    },
    async download(page, press) {
      const raw = (page as PlaywrightEnginePage).raw;
      const [download] = await Promise.all([raw.waitForEvent('download', { timeout: 30_000 }), press()]);
      return { name: download.suggestedFilename(), path: await download.path() };
    },
    async emulatePrint(page, print) {
      await (page as PlaywrightEnginePage).raw.emulateMedia({ media: print ? 'print' : 'screen' });
    },
    async close() {
      await Promise.all(contexts.splice(0).map((context) => context.close().catch(() => undefined)));
      await browser.close();
    },
  };
}

interface PlaywrightEnginePage extends EnginePage {
  raw: Page;
}

function playwrightPage(engine: EngineName, page: Page): PlaywrightEnginePage {
  page.setDefaultTimeout(30_000);
  return {
    engine,
    raw: page,
    goto: async (url) => void (await page.goto(url)),
    reload: async () => void (await page.reload()),
    url: async () => page.url(),
    title: () => page.title(),
    async navigates(action) {
      await Promise.all([page.waitForNavigation({ timeout: 30_000 }), action()]);
    },
    fill: (selector, value) => page.fill(selector, value),
    click: (selector) => page.click(selector),
    press: (key) => page.keyboard.press(key),
    type: (text) => page.keyboard.type(text),
    selectOption: async (selector, value) => void (await page.selectOption(selector, value)),
    setInputFile: (selector, file) => page.setInputFiles(selector, file),
    evaluate: <A, R>(fn: PageFunction<A, R>, arg: A) => page.evaluate(fn as never, arg) as Promise<R>,
    addScript: async (source) => void (await page.evaluate(`${source};undefined`)),
    async waitForFunction(fn, arg, timeoutMs = 30_000) {
      // Asked again on a timer (not Playwright's waitForFunction: a page without scripts runs none of its
      // polling), and again in the next document when a navigation comes in between.
      const deadline = Date.now() + timeoutMs;
      let last: unknown;
      for (;;) {
        try {
          if (await page.evaluate(fn as never, arg)) return;
        } catch (error) {
          last = error;
        }
        if (Date.now() > deadline) throw new Error(`waitForFunction timed out after ${timeoutMs} ms: ${fn.toString().slice(0, 200)}${last ? ` (${last})` : ''}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    },
    screenshot: async (file) => void (await page.screenshot({ path: file, fullPage: true })),
    cookieNames: async () => (await page.context().cookies()).map((cookie) => cookie.name),
    close: () => page.context().close(),
  };
}
