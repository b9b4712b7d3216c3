import { readFileSync } from 'node:fs';
import type { Download, Page, Response } from 'playwright-core';
import { sha256 } from '../../../scripts/support/testPortal';

/** What a claimant does and sees on the pages, in the browser. */

export async function enterNino(page: Page, nino: string): Promise<Response | null> {
  await page.fill('[data-qa=nino]', nino);
  const [response] = await Promise.all([page.waitForNavigation(), page.click('[data-qa=continue]')]);
  return response;
}

/** Presses the download button and waits for the file the browser saves. */
export async function downloadRecording(page: Page, press: () => Promise<void> = () => page.click('[data-qa=download]')) {
  const [download] = await Promise.all([page.waitForEvent('download'), press()]);
  return savedFile(download);
}

async function savedFile(download: Download) {
  const file = await download.path();
  return { name: download.suggestedFilename(), sha256: sha256(readFileSync(file)) };
}

/** Plays the in-page player (muted: autoplay rules, and silence on a shared machine) until its clock moves. */
export async function playInPage(page: Page, seconds = 0.5): Promise<number> {
  await page.evaluate(async () => {
    const player = document.querySelector<HTMLAudioElement>('[data-qa=player]')!;
    player.muted = true;
    await player.play();
  });
  await page.waitForFunction((least) => document.querySelector<HTMLAudioElement>('[data-qa=player]')!.currentTime > least, seconds, { timeout: 10_000 });
  return page.evaluate(() => document.querySelector<HTMLAudioElement>('[data-qa=player]')!.currentTime);
}

export const mainHeading = (page: Page) => page.locator('h1').innerText();
export const htmlLang = (page: Page) => page.getAttribute('html', 'lang');

/** What has focus, and whether it shows: GOV.UK draws focus in yellow (#ffdd00); native controls draw their own ring. */
export function focusState(page: Page) {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    if (!element || element === document.body) return { id: '', qa: '', tag: 'BODY', visible: false, text: '' };
    const style = getComputedStyle(element);
    const yellow = 'rgb(255, 221, 0)';
    const outlined = style.outlineStyle === 'auto' || (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0 && style.outlineColor === yellow);
    const visible = outlined || style.backgroundColor === yellow || style.borderTopColor === yellow || style.boxShadow.includes(yellow);
    return { id: element.id, qa: element.dataset.qa ?? '', tag: element.tagName, visible, text: (element.innerText ?? '').trim().slice(0, 60) };
  });
}

/** Presses Tab until the element matching `selector` has focus, checking that every stop on the way shows its focus. */
export async function tabTo(page: Page, selector: string, maxPresses = 30) {
  const stops: string[] = [];
  for (let press = 0; press < maxPresses; press++) {
    await page.keyboard.press('Tab');
    const focus = await focusState(page);
    stops.push(`${focus.tag}#${focus.id}[${focus.qa}] ${focus.text}`);
    expect({ stop: stops.at(-1), focusVisible: focus.visible }).toEqual({ stop: stops.at(-1), focusVisible: true });
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return stops;
  }
  throw new Error(`never reached ${selector} with Tab; stops: ${stops.join(' | ')}`);
}
