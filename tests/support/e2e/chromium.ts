import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContextOptions, type Page } from 'playwright-core';
import { AXE_SOURCE, runAxeInPage, WCAG_TAGS, type AxeViolation } from './engines';

/** Debian's package, as .ci/run installs it (CHROMIUM_PATH names another build): nothing here downloads a browser. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
export const SCREENSHOTS = path.resolve(__dirname, '../../../test-output/e2e/chromium');

/**
 * Chromium-only suites (the staff console, page weight); every other e2e file runs in every engine
 * through describeInEngines (engines.ts).
 *
 * Registers a browser suite. Without Chromium the suite fails in CI
 * (launchChromium throws); on a developer's machine it is left out, with one line saying how to get
 * it, and in its place one test checks that there is indeed no Chromium to run it with (so a file of
 * browser tests only still counts as a suite, and the run stays green only while Chromium is absent).
 */
export function describeInChromium(name: string, tests: () => void): void {
  if (existsSync(CHROMIUM_PATH) || process.env.CI) {
    describe(name, tests);
    return;
  }
  process.stderr.write(`Browser tests not run (${name}): no Chromium at ${CHROMIUM_PATH}. Install it with: sudo apt-get install chromium\n`);
  test(`${name}: left out, as there is no Chromium at ${CHROMIUM_PATH}`, () => {
    expect(existsSync(CHROMIUM_PATH)).toBe(false);
  });
}

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium is missing at ${CHROMIUM_PATH}: apt-get install chromium`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true };
export const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 800 } };
export type DeviceName = 'phone' | 'desktop';
export const DEVICES: Record<DeviceName, BrowserContextOptions> = { phone: PHONE, desktop: DESKTOP };

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/**
 * Runs axe-core in the page. It is evaluated through the DevTools protocol, which the page's
 * Content-Security-Policy (no inline script) does not govern, so the page is tested exactly as served.
 */
export async function accessibilityViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate('typeof window.axe === "object"');
  if (!loaded) await page.evaluate(`${AXE_SOURCE};undefined`);
  return page.evaluate(runAxeInPage, WCAG_TAGS);
}

/** The checks every page gets: a screenshot, and zero WCAG 2.2 A/AA violations. */
export async function checkPage(page: Page, name: string): Promise<void> {
  await screenshot(page, name);
  expect({ page: name, violations: await accessibilityViolations(page) }).toEqual({ page: name, violations: [] });
}
