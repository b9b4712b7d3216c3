import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Engine, EngineName, EnginePage } from './enginePage';
import { CHROMIUM_PATH, FIREFOX_PATH, launchPlaywright } from './playwrightEngine';
import { launchWebKit, MINIBROWSER_PATH, WEBKIT_DRIVER_PATH, XVFB_PATH } from './webdriverEngine';

export const ALL_ENGINES: EngineName[] = ['chromium', 'firefox', 'webkit'];
export const SCREENSHOTS = path.resolve(__dirname, '../../../test-output/e2e');

/** What each engine needs on the machine, and the Debian package that brings it (nothing here downloads a browser). */
const NEEDS: Record<EngineName, { files: string[]; install: string }> = {
  chromium: { files: [CHROMIUM_PATH], install: 'chromium' },
  firefox: { files: [FIREFOX_PATH], install: 'firefox-esr libavcodec59' },
  webkit: { files: [WEBKIT_DRIVER_PATH, MINIBROWSER_PATH, XVFB_PATH], install: 'webkit2gtk-driver xvfb gstreamer1.0-libav' },
};

/**
 * What `npm test` runs when ENGINES does not say: every engine, each one missing on this machine left
 * out with a line saying which Debian packages bring it (and failing under CI=true). A newcomer with
 * only Chromium gets Chromium; one with all three gets what claimants' phones run.
 */
const DEFAULT_ENGINES: EngineName[] = ALL_ENGINES;

/** The engines this run is for: ENGINES=webkit (or a comma list) picks some; by default every one. */
export function enginesWanted(): EngineName[] {
  const asked = (process.env.ENGINES ?? '').split(',').map((name) => name.trim().toLowerCase()).filter(Boolean);
  const unknown = asked.filter((name) => !ALL_ENGINES.includes(name as EngineName));
  if (unknown.length) throw new Error(`ENGINES names ${unknown.join(', ')}: the engines are ${ALL_ENGINES.join(', ')}`);
  return asked.length ? (asked as EngineName[]) : DEFAULT_ENGINES;
}

export const missingFor = (engine: EngineName) => NEEDS[engine].files.filter((file) => !existsSync(file));

export function launchEngine(name: EngineName): Promise<Engine> {
  const missing = missingFor(name);
  if (missing.length) throw new Error(`${name} needs ${missing.join(', ')}: apt-get install ${NEEDS[name].install}`);
  return name === 'webkit' ? launchWebKit() : launchPlaywright(name);
}

/**
 * Registers a browser suite once per engine wanted; `engine()` is that describe block's browser,
 * launched before its tests and closed after (one browser per engine per file). An engine missing is
 * left out locally with one line saying how to get it, and a test in its place checks it is indeed
 * absent; under CI=true a missing engine fails (launchEngine throws). `only` narrows a suite to some
 * engines, each leaving out the others with its reason.
 */
export function describeInEngines(name: string, tests: (engine: () => Engine, engineName: EngineName) => void, options: { only?: EngineName[]; reason?: string } = {}): void {
  for (const engineName of enginesWanted()) {
    if (options.only && !options.only.includes(engineName)) {
      process.stderr.write(`Browser tests not run in ${engineName} (${name}): ${options.reason ?? 'not for this engine'}\n`);
      continue;
    }
    const missing = missingFor(engineName);
    if (missing.length && !process.env.CI) {
      process.stderr.write(`Browser tests not run in ${engineName} (${name}): no ${missing.join(', ')}. Install with: sudo apt-get install ${NEEDS[engineName].install}\n`);
      test(`${name} in ${engineName}: left out, as ${missing.join(', ')} is missing`, () => expect(missingFor(engineName)).not.toEqual([]));
      continue;
    }
    describe(`${name} in ${engineName}`, () => {
      let engine: Engine;
      let started = 0;
      beforeAll(async () => {
        started = Date.now();
        engine = await launchEngine(engineName);
      }, 120_000);
      afterAll(async () => {
        await engine?.close();
        process.stderr.write(`e2e timing: ${path.basename(expect.getState().testPath ?? name)} in ${engineName}: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
      }, 60_000);
      tests(() => engine, engineName);
    });
  }
}

/**
 * What an engine cannot do, and why: a test needing it is left out in that engine, with the reason
 * logged, rather than run to pass vacuously or to flake.
 */
export const CANNOT: Record<EngineName, Partial<Record<'turnOffScripts' | 'printMedia' | 'readPageMadeDownload' | 'keyPlayPause' | 'seekFarInLongWav', string>>> = {
  chromium: {},
  // Playwright's BiDi back end ignores javaScriptEnabled: false, and has no media emulation.
  firefox: {
    turnOffScripts: 'Firefox over WebDriver BiDi cannot turn the page’s scripts off (javaScriptEnabled is ignored)',
    printMedia: 'no print media emulation over BiDi',
    readPageMadeDownload: 'Playwright over BiDi reports no download event for a file the page makes itself (a blob: link)',
  },
  webkit: {
    printMedia: 'classic WebDriver has no print media emulation',
    readPageMadeDownload: 'WebDriver cannot read back a file the page makes itself (a blob: link); the portal never sees it',
    seekFarInLongWav:
      'WebKitGTK 2.50 (GStreamer download buffering) reads a WAV on from where it is, asking again with bytes=N- every 2–4 MB, and a seek past what it holds mostly waits for that download to reach the point instead of asking for it: 50:00 or 59:00 of a 58 MB WAV did not play within 90 s here (every request was answered correctly, to the end of the file). The in-range seeks (20:00, 23:10, 10:00) and the session and state-change stops are tested',
  },
};

/** Registers `tests` unless the engine cannot do what it needs; then logs why it is left out. */
export function testNeeding(engineName: EngineName, need: keyof (typeof CANNOT)['webkit'] | keyof (typeof CANNOT)['firefox'], name: string, fn: () => Promise<void>): void {
  const reason = CANNOT[engineName][need];
  if (!reason) return void test(name, fn);
  process.stderr.write(`Left out in ${engineName}: "${name}": ${reason}\n`);
}

export async function screenshot(page: EnginePage, name: string): Promise<void> {
  const directory = path.join(SCREENSHOTS, page.engine);
  mkdirSync(directory, { recursive: true });
  await page.screenshot(path.join(directory, `${name}.png`));
}

export const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
/** WCAG 2.0, 2.1 and 2.2, levels A and AA. */
export const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

export interface AxeViolation {
  id: string;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core in the page. It is evaluated by the automation protocol (DevTools, BiDi or WebDriver),
 * which the page's Content-Security-Policy (no inline script) does not govern, so the page is tested as served.
 */
export async function accessibilityViolations(page: EnginePage): Promise<AxeViolation[]> {
  const loaded = await page.evaluate(() => typeof (window as unknown as { axe?: object }).axe === 'object', null);
  if (!loaded) await page.addScript(AXE_SOURCE);
  return page.evaluate(runAxeInPage, WCAG_TAGS);
}

/** What runs in the page once axe-core is loaded: its WCAG violations, each with the elements it names. */
export async function runAxeInPage(tags: string[]): Promise<AxeViolation[]> {
  const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: { id: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
  const results = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
  return results.violations.map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.map((n) => n.target.join(' ')) }));
}

/**
 * The page's layout holds together: the document ends where the footer does (nothing positioned
 * escapes below it, stretching the page), and nothing is wider than the screen.
 */
export function layout(page: EnginePage) {
  return page.evaluate(() => {
    const footer = document.querySelector('footer');
    const footerEnd = footer ? Math.round(footer.getBoundingClientRect().bottom + window.scrollY) : null;
    return { documentHeight: document.documentElement.scrollHeight, footerEnd, documentWidth: document.documentElement.scrollWidth, screenWidth: document.documentElement.clientWidth };
  }, null);
}

export async function expectLayoutHolds(page: EnginePage, name: string) {
  const { documentHeight, footerEnd, documentWidth, screenWidth } = await layout(page);
  expect({ page: name, overflowsFooterBy: footerEnd === null ? 0 : Math.max(0, documentHeight - footerEnd - 1), widerThanScreenBy: Math.max(0, documentWidth - screenWidth) }).toEqual({
    page: name,
    overflowsFooterBy: 0,
    widerThanScreenBy: 0,
  });
}

/** The checks every page gets: a screenshot, its layout, and zero WCAG 2.2 A/AA violations. */
export async function checkPage(page: EnginePage, name: string): Promise<void> {
  await screenshot(page, name);
  await expectLayoutHolds(page, name);
  expect({ page: name, violations: await accessibilityViolations(page) }).toEqual({ page: name, violations: [] });
}
