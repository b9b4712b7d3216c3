import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Builder, By, Key, type WebDriver } from 'selenium-webdriver';
import { VIEWPORTS, type Engine, type EnginePage, type PageFunction, type PageOptions } from './enginePage';

export const WEBKIT_DRIVER_PATH = process.env.WEBKIT_DRIVER_PATH || '/usr/bin/WebKitWebDriver';
export const MINIBROWSER_PATH = process.env.MINIBROWSER_PATH || '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
export const XVFB_PATH = process.env.XVFB_PATH || '/usr/bin/Xvfb';

/**
 * Drawing on the CPU, with no GL compositor: under Xvfb, WebKitGTK's threaded compositor and Skia's GPU
 * workers run on Mesa's software GL (swrast_dri), which crashed the browser mid-suite here (a general
 * protection fault in swrast_dri.so, the WebDriver session gone) about one run in three on a loaded machine.
 */
const CPU_RENDERING = { WEBKIT_DISABLE_COMPOSITING_MODE: '1', WEBKIT_DISABLE_DMABUF_RENDERER: '1', WEBKIT_SKIA_ENABLE_CPU_RENDERING: '1' };

/** WebKitGTK is slow to start and to seek on a shared two-core machine: generous waits, never sleeps. */
const STEP_MS = 30_000;

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

/** One X display for this run: Xvfb writes the number it chose to fd 3 once it is ready. */
async function startXvfb(): Promise<{ display: string; process: ChildProcess }> {
  const xvfb = spawn(XVFB_PATH, ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], { stdio: ['ignore', 'ignore', 'ignore', 'pipe'] });
  const fd3 = xvfb.stdio[3]!;
  const display = await new Promise<string>((resolve, reject) => {
    let read = '';
    fd3.on('data', (chunk: Buffer) => {
      read += chunk.toString();
      if (read.includes('\n')) resolve(`:${read.trim()}`);
    });
    xvfb.once('exit', (code) => reject(new Error(`Xvfb exited (${code}) before naming its display`)));
    xvfb.once('error', reject);
  });
  return { display, process: xvfb };
}

async function driverReady(url: string, driver: ChildProcess): Promise<void> {
  const deadline = Date.now() + STEP_MS;
  let exited = false;
  driver.once('exit', () => (exited = true));
  for (;;) {
    if (exited) throw new Error('WebKitWebDriver exited while starting');
    try {
      if ((await fetch(`${url}/status`)).ok) return;
    } catch {
      // Not listening yet: ask again once the event loop has turned.
    }
    if (Date.now() > deadline) throw new Error(`WebKitWebDriver did not answer at ${url} within ${STEP_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * WebKitGTK's MiniBrowser over classic WebDriver, through a WebKitWebDriver this run starts under its
 * own Xvfb. `usingServer` means Selenium Manager is never asked for anything (SE_OFFLINE too).
 * One browser session at a time (the driver's limit), in one script setting: a "new page" in the same setting
 * is the same window with the portal's cookies and storage cleared, as a new browser session has.
 */
export async function launchWebKit(): Promise<Engine> {
  process.env.SE_OFFLINE = 'true';
  const home = mkdtempSync(path.join(tmpdir(), 'webkit-home-'));
  const xvfb = await startXvfb();
  const port = await freePort();
  const driverProcess = spawn(WEBKIT_DRIVER_PATH, [`--port=${port}`], {
    stdio: 'ignore',
    // Its own HOME: whatever MiniBrowser saves (downloads, caches) lands in a directory removed afterwards.
    env: { ...process.env, ...CPU_RENDERING, DISPLAY: xvfb.display, HOME: home, XDG_DOWNLOAD_DIR: home, SE_OFFLINE: 'true' },
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await driverReady(url, driverProcess);
  } catch (error) {
    driverProcess.kill();
    xvfb.process.kill();
    throw error;
  }

  // WebKitWebDriver holds one session at a time: a page in the other script setting ends this one first.
  let current: { javaScript: boolean; driver: Promise<WebDriver> } | undefined;
  const session = async (javaScript: boolean) => {
    if (current && current.javaScript === javaScript) return current.driver;
    if (current) await (await current.driver.catch(() => undefined))?.quit().catch(() => undefined);
    const args = ['--automation', ...(javaScript ? [] : ['--enable-javascript-markup=false'])];
    const capabilities = { browserName: 'MiniBrowser', acceptInsecureCerts: true, 'webkitgtk:browserOptions': { binary: MINIBROWSER_PATH, args } };
    current = { javaScript, driver: new Builder().usingServer(url).withCapabilities(capabilities).build() as unknown as Promise<WebDriver> };
    return current.driver;
  };

  return {
    name: 'webkit',
    scheme: 'https',
    savesDownloads: false,
    async newPage(options: PageOptions = {}) {
      const driver = await session(options.javaScript ?? true);
      await driver.manage().setTimeouts({ script: STEP_MS, pageLoad: STEP_MS, implicit: 0 });
      await resetBrowserSession(driver);
      await sizeViewport(driver, VIEWPORTS[options.device ?? 'phone']);
      return webdriverPage(driver);
    },
    async close() {
      try {
        if (current) await (await current.driver.catch(() => undefined))?.quit().catch(() => undefined);
      } finally {
        driverProcess.kill();
        xvfb.process.kill();
        rmSync(home, { recursive: true, force: true });
      }
    },
  };
}

/** Forgets what the last page left: the portal's cookies (for the origin the window is on) and its storage. */
async function resetBrowserSession(driver: WebDriver) {
  const current = await driver.getCurrentUrl();
  if (/^https?:/.test(current)) {
    await driver.manage().deleteAllCookies();
    await driver.executeScript('try { localStorage.clear(); sessionStorage.clear(); } catch (e) {}');
  }
  await driver.get('about:blank');
}

/** The window is sized so that the page's own viewport (below MiniBrowser's toolbar) is the device's. */
async function sizeViewport(driver: WebDriver, viewport: { width: number; height: number }) {
  await driver.manage().window().setRect({ x: 0, y: 0, ...viewport });
  const inner = (await driver.executeScript('return [window.innerWidth, window.innerHeight]')) as [number, number];
  await driver.manage().window().setRect({ width: viewport.width * 2 - inner[0], height: viewport.height * 2 - inner[1] });
}

const KEYS: Record<string, string> = { Tab: Key.TAB, Enter: Key.ENTER, Escape: Key.ESCAPE, Space: Key.SPACE, ' ': Key.SPACE, Control: Key.CONTROL, ControlOrMeta: Key.CONTROL, Shift: Key.SHIFT, Meta: Key.META };

function webdriverPage(driver: WebDriver): EnginePage {
  const find = (selector: string) => driver.findElement(By.css(selector));
  const evaluate = async <A, R>(fn: PageFunction<A, R>, arg: A): Promise<R> => {
    const script = `const done = arguments[arguments.length - 1];
      Promise.resolve().then(() => (${fn.toString()})(arguments[0])).then((value) => done({ value }), (error) => done({ error: String(error && error.stack || error) }));`;
    const result = (await driver.executeAsyncScript(script, arg)) as { value?: R; error?: string };
    if (result.error) throw new Error(`in the page: ${result.error}`);
    return result.value as R;
  };
  const waitForFunction = async <A>(fn: PageFunction<A, unknown>, arg: A, timeoutMs = STEP_MS) => {
    let lastError = '';
    await driver
      .wait(
        async () => {
          try {
            return Boolean(await evaluate(fn, arg));
          } catch (error) {
            // Mid-navigation there is no document to ask: ask the next one.
            lastError = String(error);
            return false;
          }
        },
        timeoutMs,
        undefined,
        100,
      )
      .catch((error) => {
        throw new Error(`waitForFunction timed out: ${fn.toString().slice(0, 200)} (${lastError || error})`);
      });
  };
  return {
    engine: 'webkit',
    goto: (url) => driver.get(url),
    reload: () => driver.navigate().refresh(),
    url: () => driver.getCurrentUrl(),
    title: () => driver.getTitle(),
    async navigates(action) {
      const mark = `navigation-${Math.random()}`;
      await driver.executeScript(`window.__leftBehind = ${JSON.stringify(mark)}`);
      await action();
      await waitForFunction((m) => document.readyState === 'complete' && (window as unknown as { __leftBehind?: string }).__leftBehind !== m, mark);
    },
    async fill(selector, value) {
      const element = await find(selector);
      await element.clear();
      if (value) await element.sendKeys(value);
    },
    click: async (selector) => (await find(selector)).click(),
    async press(key) {
      const parts = key.split('+');
      const main = parts.pop()!;
      let actions = driver.actions();
      for (const modifier of parts) actions = actions.keyDown(KEYS[modifier]);
      actions = actions.sendKeys(KEYS[main] ?? main);
      for (const modifier of parts.reverse()) actions = actions.keyUp(KEYS[modifier]);
      await actions.perform();
    },
    type: (text) => driver.actions().sendKeys(text).perform(),
    selectOption: async (selector, value) => (await find(`${selector} option[value="${value}"]`)).click(),
    setInputFile: async (selector, file) => (await find(selector)).sendKeys(file),
    evaluate,
    addScript: async (source) => void (await driver.executeScript(source)),
    waitForFunction,
    screenshot: async (file) => writeFileSync(file, await driver.takeScreenshot(), 'base64'),
    cookieNames: async () => (await driver.manage().getCookies()).map((cookie) => cookie.name),
    close: async () => undefined,
  };
}
