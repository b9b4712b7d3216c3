/**
 * The one page interface every e2e journey is written against, so each runs in every engine: a
 * Playwright back end (Chromium, Firefox over WebDriver BiDi) and a classic WebDriver back end
 * (WebKitGTK). It is the small subset of operations the suites use; selectors are CSS.
 */

export type EngineName = 'chromium' | 'firefox' | 'webkit';
export type DeviceName = 'phone' | 'desktop';

export interface PageOptions {
  device?: DeviceName;
  /** False: the page's own scripts do not run (the test can still evaluate). */
  javaScript?: boolean;
}

/** A script run in the page: a function (serialised) and one JSON argument. */
export type PageFunction<A, R> = (arg: A) => R | Promise<R>;

export interface EnginePage {
  readonly engine: EngineName;
  goto(url: string): Promise<void>;
  reload(): Promise<void>;
  url(): Promise<string>;
  title(): Promise<string>;
  /** Runs `action` (which makes the page navigate) and waits until the next document has loaded. */
  navigates(action: () => Promise<unknown>): Promise<void>;
  fill(selector: string, value: string): Promise<void>;
  click(selector: string): Promise<void>;
  /** Presses a key (Playwright's names: 'Tab', 'Enter', 'l', 'Control+l') in whatever has focus. */
  press(key: string): Promise<void>;
  /** Types text into whatever has focus, key by key. */
  type(text: string): Promise<void>;
  selectOption(selector: string, value: string): Promise<void>;
  setInputFile(selector: string, file: string): Promise<void>;
  evaluate<A, R>(fn: PageFunction<A, R>, arg: A): Promise<R>;
  /** Runs a whole script (a library's source) in the page, as the automation protocol does, outside the page's CSP. */
  addScript(source: string): Promise<void>;
  /** Waits until `fn(arg)` in the page is truthy; rides over a navigation in between. */
  waitForFunction<A>(fn: PageFunction<A, unknown>, arg: A, timeoutMs?: number): Promise<void>;
  screenshot(file: string): Promise<void>;
  cookieNames(): Promise<string[]>;
  close(): Promise<void>;
}

export interface Engine {
  readonly name: EngineName;
  /** https where the engine drops a Secure cookie on http://127.0.0.1 (WebKit). */
  readonly scheme: 'http' | 'https';
  /** Whether the engine can save a download where the test can read it (otherwise the portal's answer is read). */
  readonly savesDownloads: boolean;
  newPage(options?: PageOptions): Promise<EnginePage>;
  /** Playwright only: the saved file of a download `press` starts. */
  download?(page: EnginePage, press: () => Promise<unknown>): Promise<{ name: string; path: string }>;
  /** Chromium only: lays the page out for print, or back for the screen. */
  emulatePrint?(page: EnginePage, print: boolean): Promise<void>;
  close(): Promise<void>;
}

export const VIEWPORTS: Record<DeviceName, { width: number; height: number }> = {
  phone: { width: 390, height: 844 },
  desktop: { width: 1280, height: 800 },
};

/** What an element reads, as innerText; '' when there is none. */
export const text = (page: EnginePage, selector: string) => page.evaluate((s) => (document.querySelector(s) as HTMLElement | null)?.innerText ?? '', selector);
export const textContent = (page: EnginePage, selector: string) => page.evaluate((s) => document.querySelector(s)?.textContent ?? null, selector);
export const texts = (page: EnginePage, selector: string) => page.evaluate((s) => [...document.querySelectorAll<HTMLElement>(s)].map((e) => e.innerText), selector);
export const attribute = (page: EnginePage, selector: string, name: string) =>
  page.evaluate(([s, n]) => document.querySelector(s)?.getAttribute(n) ?? null, [selector, name] as const);
export const count = (page: EnginePage, selector: string) => page.evaluate((s) => document.querySelectorAll(s).length, selector);
export const inputValue = (page: EnginePage, selector: string) => page.evaluate((s) => document.querySelector<HTMLInputElement>(s)?.value ?? '', selector);
/** Shown: rendered with a box and not hidden by visibility (Playwright's meaning of visible). */
export const isVisible = (page: EnginePage, selector: string) =>
  page.evaluate((s) => {
    const element = document.querySelector<HTMLElement>(s);
    if (!element) return false;
    const box = element.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(element).visibility !== 'hidden';
  }, selector);
export const waitForVisible = (page: EnginePage, selector: string, timeoutMs?: number) =>
  page.waitForFunction(
    (s) => {
      const element = document.querySelector<HTMLElement>(s);
      return !!element && element.getBoundingClientRect().height > 0 && getComputedStyle(element).visibility !== 'hidden';
    },
    selector,
    timeoutMs,
  );
export const waitForHidden = (page: EnginePage, selector: string, timeoutMs?: number) =>
  page.waitForFunction((s) => {
    const element = document.querySelector<HTMLElement>(s);
    return !element || element.getBoundingClientRect().height === 0 || getComputedStyle(element).visibility === 'hidden';
  }, selector, timeoutMs);
/** The h1's words (WebKit's innerText ends a heading that wraps a label with a newline). */
export const mainHeading = async (page: EnginePage) => (await text(page, 'h1')).trim();
export const htmlLang = (page: EnginePage) => attribute(page, 'html', 'lang');

/** Clicks the `tag` whose text (visually hidden words included) is `name`, as a screen reader user picks a button by name. */
export async function clickNamed(page: EnginePage, tag: string, name: string) {
  const marked = await page.evaluate(([t, n]) => {
    const element = [...document.querySelectorAll(t)].find((e) => (e.textContent ?? '').replace(/\s+/g, ' ').trim() === n);
    if (element) element.setAttribute('data-e2e-named', n);
    return !!element;
  }, [tag, name] as const);
  if (!marked) throw new Error(`no ${tag} named "${name}"`);
  await page.click(`${tag}[data-e2e-named="${name}"]`);
}
