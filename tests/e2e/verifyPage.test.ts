import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { demoAudio } from '../../server/demoAudio';
import { sha256 } from '../support/testPortal';
import { text, type DeviceName } from '../support/e2e/enginePage';
import { checkPage, describeInEngines } from '../support/e2e/engines';
import { startLivePortal, type LivePortal } from '../support/e2e/livePortal';

// A real browser on a shared two-core machine: pages and axe can take longer than Jest's 30 s.
jest.setTimeout(90_000);

describeInEngines('checking a copy at /verify', (engine) => {
  let portal: LivePortal;
  beforeAll(async () => {
    portal = await startLivePortal({}, { scheme: engine().scheme });
  });
  afterAll(async () => {
    await portal?.close();
  });

  test.each([
    ['en', 'phone', 'This is a genuine recording', 'No genuine recording matches this file'],
    ['cy', 'desktop', 'Mae hwn yn recordiad dilys', 'Nid oes recordiad dilys yn cyfateb i’r ffeil hon'],
  ] as [string, DeviceName, string, string][])('in %s on a %s, the page hashes the chosen file on the device and answers', async (language, device, genuine, notGenuine) => {
    const audio = demoAudio(2);
    await portal.recordingInLanguage('en', audio);
    const original = path.join(portal.dataDir, `copy-${language}.wav`);
    const altered = path.join(portal.dataDir, `altered-${language}.wav`);
    writeFileSync(original, audio);
    const changed = Buffer.from(audio);
    changed[changed.length - 1] ^= 1;
    writeFileSync(altered, changed);

    const page = await engine().newPage({ device });
    await page.goto(`${portal.origin}/verify?lang=${language}`);
    await checkPage(page, `verify-${language}-${device}`);

    const before = portal.answers.length;
    await page.navigates(() => page.setInputFile('#file', original));
    expect(new URL(await page.url()).search).toBe(`?sha256=${sha256(audio)}`);
    expect(await text(page, '.govuk-panel__title')).toBe(genuine);
    await checkPage(page, `verify-genuine-${language}-${device}`);

    await page.navigates(() => page.setInputFile('#file', altered));
    expect(new URL(await page.url()).search).toBe(`?sha256=${sha256(changed)}`);
    expect(await text(page, 'h1')).toBe(notGenuine);
    await checkPage(page, `verify-not-genuine-${language}-${device}`);
    // Hashed on the device: the portal was only asked for the answer pages, never sent the file.
    expect(portal.answers.slice(before).filter((answer) => answer.method !== 'GET')).toEqual([]);
    await page.close();
  });
});
