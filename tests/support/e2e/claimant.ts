import { readFileSync } from 'node:fs';
import { CLAIMANT, sha256 } from '../testPortal';
import type { Engine, EnginePage, PageOptions } from './enginePage';
import type { LivePortal } from './livePortal';

/** What a claimant does and sees on the pages, in any engine. */

/** Enters the NINO and continues; answers the status of the page that came back (read from the portal's side). */
export async function enterNino(page: EnginePage, portal: LivePortal, nino: string): Promise<number | undefined> {
  await page.fill('[data-qa=nino]', nino);
  await page.navigates(() => page.click('[data-qa=continue]'));
  return portal.lastPageStatus();
}

export async function signedIn(engine: Engine, portal: LivePortal, url: string, options: PageOptions = {}) {
  const page = await engine.newPage(options);
  await page.goto(url);
  await enterNino(page, portal, CLAIMANT.nino);
  return page;
}

/**
 * Presses the download button and checks the file. Where the engine saves downloads where the test can
 * read them (Playwright), the saved file; otherwise (WebKitGTK over WebDriver) the bytes the portal sent
 * in its 200 answer to that press.
 */
export async function downloadRecording(engine: Engine, page: EnginePage, portal: LivePortal, press: () => Promise<unknown> = () => page.click('[data-qa=download]')) {
  if (engine.download) {
    const saved = await engine.download(page, press);
    return { name: saved.name, sha256: sha256(readFileSync(saved.path)) };
  }
  const before = portal.answers.length;
  const answer = portal.waitForAnswer(before, (a) => a.bodySha256 !== undefined);
  await press();
  const sent = await answer;
  return { name: sent.path, sha256: sent.bodySha256! };
}

/** Plays the in-page player (muted: autoplay rules, and silence on a shared machine) until its clock moves. */
export async function playInPage(page: EnginePage, seconds = 0.5): Promise<number> {
  await page.evaluate(async () => {
    const player = document.querySelector<HTMLAudioElement>('[data-qa=player]')!;
    player.muted = true;
    await player.play();
  }, null);
  await page.waitForFunction((least) => document.querySelector<HTMLAudioElement>('[data-qa=player]')!.currentTime > least, seconds, 30_000);
  return page.evaluate(() => document.querySelector<HTMLAudioElement>('[data-qa=player]')!.currentTime, null);
}

/** What has focus, and whether it shows: GOV.UK draws focus in yellow (#ffdd00); native controls draw their own ring. */
export function focusState(page: EnginePage) {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    if (!element || element === document.body) return { id: '', qa: '', tag: 'BODY', visible: false, text: '' };
    const style = getComputedStyle(element);
    const yellow = 'rgb(255, 221, 0)';
    const outlined = style.outlineStyle === 'auto' || (style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0 && style.outlineColor === yellow);
    const visible = outlined || style.backgroundColor === yellow || style.borderTopColor === yellow || style.boxShadow.includes(yellow);
    return { id: element.id, qa: element.dataset.qa ?? '', tag: element.tagName, visible, text: (element.innerText ?? '').trim().slice(0, 60) };
  }, null);
}

/** Presses Tab until the element matching `selector` has focus, checking that every stop on the way shows its focus. */
export async function tabTo(page: EnginePage, selector: string, maxPresses = 30) {
  const stops: string[] = [];
  for (let press = 0; press < maxPresses; press++) {
    await page.press('Tab');
    const focus = await focusState(page);
    stops.push(`${focus.tag}#${focus.id}[${focus.qa}] ${focus.text}`);
    expect({ stop: stops.at(-1), focusVisible: focus.visible }).toEqual({ stop: stops.at(-1), focusVisible: true });
    if (await page.evaluate((s) => document.activeElement?.matches(s) ?? false, selector)) return stops;
  }
  throw new Error(`never reached ${selector} with Tab; stops: ${stops.join(' | ')}`);
}

/**
 * Seeks the player and waits until it plays on from there (its clock moves past the point). play() is
 * not awaited: WebKitGTK settles it only once the seek's request has been answered and buffered,
 * which can outlast one script's time; the clock moving is the event that matters.
 */
export async function seekAndPlayOn(page: EnginePage, to: number): Promise<number> {
  await page.evaluate((time) => {
    const player = document.querySelector<HTMLAudioElement>('[data-qa=player]')!;
    player.muted = true;
    player.currentTime = time;
    void player.play().catch(() => undefined);
  }, to);
  await page.waitForFunction((from) => {
    const player = document.querySelector<HTMLAudioElement>('[data-qa=player]')!;
    return player.readyState >= 3 && player.currentTime > from + 0.5;
  }, to, 90_000);
  return page.evaluate(() => document.querySelector<HTMLAudioElement>('[data-qa=player]')!.currentTime, null);
}
