import type { Browser, Page } from 'playwright-core';
import { addStaff, totpCode } from '../support/staffBrowser';
import { ClaimantBrowser } from '../support/claimantBrowser';
import { CLAIMANT } from '../support/testPortal';
import { checkPage, DESKTOP, describeInChromium, launchChromium } from '../support/e2e/chromium';
import { startLivePortal, type LivePortal } from '../support/e2e/livePortal';

// A real browser on a shared two-core machine: pages and axe can take longer than Jest's 30 s.
jest.setTimeout(60_000);

// Chromium only: the staff console is an internal tool used on the department's managed desktops
// (Chromium-based browsers); claimants' engines (WebKit, Firefox) are for the claimant pages.
describeInChromium('staff console pages in Chromium', () => {
  let browser: Browser;
  let portal: LivePortal;
  beforeAll(async () => {
    browser = await launchChromium();
    portal = await startLivePortal();
  });
  afterAll(async () => {
    await portal?.close();
    await browser?.close();
  });

  async function signIn(page: Page, email: string, password: string, code: string) {
    await page.goto(`${portal.origin}/staff/sign-in`);
    await page.fill('#email', email);
    await page.fill('#password', password);
    await page.fill('#code', code);
    await page.click('[data-qa="sign-in"]');
  }

  test('a supervisor signs in, finds a recording, reads its links and acts on it; every page passes axe', async () => {
    const { recordingId, path } = await portal.recordingInLanguage('en');
    const claimant = new ClaimantBrowser(portal.app);
    for (let attempt = 0; attempt < portal.config.access.maxNinoAttempts; attempt++) await claimant.enterNino(path, 'AB 65 43 21 D');
    const supervisor = await addStaff(portal, 'supervisor');
    const locked = await addStaff(portal, 'agent');
    const context = await browser.newContext(DESKTOP);
    const page = await context.newPage();

    await signIn(page, locked.email, 'wrong password', '000000');
    expect(await page.title()).toMatch(/^Error: Sign in/);
    await checkPage(page, 'staff-sign-in-error');
    for (let attempt = 0; attempt < 4; attempt++) await signIn(page, locked.email, 'wrong password', '000000');

    await signIn(page, supervisor.email, supervisor.oneTimePassword, totpCode(supervisor, portal));
    expect(new URL(page.url()).pathname).toBe('/staff/password');
    await checkPage(page, 'staff-choose-password');
    await page.fill('#password', 'correct horse battery staple');
    await page.fill('#confirm', 'correct horse battery staple');
    await page.click('[data-qa="save-password"]');
    expect(new URL(page.url()).pathname).toBe('/staff/find');
    await checkPage(page, 'staff-find');

    await page.fill('#query', CLAIMANT.nino.toLowerCase());
    await page.click('[data-qa="find"]');
    expect(await page.locator('[data-qa="results"]').count()).toBe(1);
    expect(await page.locator(`[data-qa="results"] a[href="/staff/recordings/${recordingId}"]`).count()).toBe(1);
    expect(await page.locator('[data-qa="results"]').innerText()).toContain('07*** ***123');
    await checkPage(page, 'staff-find-results');

    await page.click(`a[href="/staff/recordings/${recordingId}"]`);
    expect(await page.locator('[data-qa="timeline"]').first().innerText()).toContain('Locked after too many wrong National Insurance numbers');
    await checkPage(page, 'staff-recording');

    await page.click('[data-qa="reissue"]');
    expect(await page.title()).toMatch(/^Error: /);
    await checkPage(page, 'staff-recording-error');

    await page.goto(`${portal.origin}/staff/accounts`);
    expect(await page.locator('[data-qa="locked-account"]').count()).toBe(1);
    await checkPage(page, 'staff-locked-accounts');

    await page.click('[data-qa="sign-out"]');
    expect(new URL(page.url()).pathname).toBe('/staff/sign-in');
    await context.close();
  });

  test('an auditor chooses a password and reaches the audit export page; both pass axe', async () => {
    const auditor = await addStaff(portal, 'auditor');
    const context = await browser.newContext(DESKTOP);
    const page = await context.newPage();
    await signIn(page, auditor.email, auditor.oneTimePassword, totpCode(auditor, portal));
    await page.fill('#password', 'short');
    await page.fill('#confirm', 'short');
    await page.click('[data-qa="save-password"]');
    expect(await page.title()).toMatch(/^Error: Choose your password/);
    await checkPage(page, 'staff-choose-password-error');
    await page.fill('#password', 'correct horse battery staple');
    await page.fill('#confirm', 'correct horse battery staple');
    await page.click('[data-qa="save-password"]');
    await page.click('a[href="/staff/audit"]');
    await checkPage(page, 'staff-audit-export');
    await context.close();
  });
});
