import { writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { demoAudio } from '../support/demoAudio';
import { ClaimantBrowser } from '../support/claimantBrowser';
import { grantOf } from '../support/grants';
import { CLAIMANT, startTestPortal, type TestPortal } from '../support/testPortal';

let portal: TestPortal;
afterEach(async () => {
  await portal.close();
});

test('one address that keeps posting NINOs is slowed with 429, and the refused posts count nothing', async () => {
  portal = await startTestPortal({ RATE_LIMIT_NINO_PER_15_MIN: '3' });
  const { path: linkPath, linkId } = await portal.recordingWithLink();
  for (let i = 0; i < 3; i++) expect((await request(portal.app).post(linkPath).type('form').send({ nino: '' })).status).toBe(400);
  const limited = await request(portal.app).post(linkPath).type('form').send({ nino: 'AB 65 43 21 D' });
  expect(limited.status).toBe(429);
  expect(limited.text).toContain('You have tried too many times');
  // IETF RateLimit headers (draft 8): both policies on this route, for this address's partition key, and none left of the NINO one.
  const partition = /pk=(:[A-Za-z0-9+/]+=*:)/.exec(limited.headers['ratelimit-policy'])![1];
  expect(limited.headers['ratelimit-policy']).toBe(`"120-in-1min"; q=120; w=60; pk=${partition}, "3-in-15min"; q=3; w=900; pk=${partition}`);
  // The limiter keeps real time, not the test clock: on a busy machine its windows may have ticked by some seconds.
  expect(limited.headers['ratelimit']).toMatch(/^"120-in-1min"; r=116; t=(5\d|60), "3-in-15min"; r=0; t=(89\d|900)$/);
  expect(limited.headers['retry-after']).toMatch(/^(89\d|900)$/);
  expect((await portal.links.findLink(linkId))!.failed_attempts).toBe(0);
});

test('two downloads at the same moment both work and the first download is recorded once', async () => {
  portal = await startTestPortal();
  const { path: linkPath, linkId } = await portal.recordingWithLink();
  const browser = new ClaimantBrowser(portal.app);
  await browser.enterNino(linkPath, CLAIMANT.nino);
  const grants = [grantOf(await browser.get(linkPath)), grantOf(await browser.get(linkPath))];
  const answers = await Promise.all(grants.map((grant) => browser.post(`${linkPath}/download`, { grant })));
  expect(answers.map((a) => a.status)).toEqual([303, 303]);
  const link = (await portal.links.findLink(linkId))!;
  expect(link.download_count).toBe(2);
  const downloads = (await portal.audit.auditTrail({ linkId })).filter((e) => e.type === 'recording.downloaded');
  expect(downloads.map((e) => JSON.parse(e.detail).download).sort()).toEqual([1, 2]);
});

test('a recording reaching its retention date stops being downloadable at that moment, and the page says so', async () => {
  portal = await startTestPortal();
  const file = path.join(portal.dataDir, 'old.wav');
  writeFileSync(file, demoAudio(1));
  const now = portal.clock();
  const recordedAt = new Date(Date.UTC(now.getUTCFullYear() - 2, now.getUTCMonth(), 1, 9, 0, 0));
  const retainUntil = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1, 9, 0, 0));
  portal.clock.set(new Date(retainUntil.getTime() - 2 * 60_000));
  const added = await portal.cli('recordings', 'add', '--file', file, '--ref', 'OLD-1', '--nino', CLAIMANT.nino, '--phone', CLAIMANT.phone, '--recorded-at', recordedAt.toISOString());
  const { path: linkPath } = await portal.sendLink(added.json.recordingId as string);
  expect((await portal.recordings.findRecording(added.json.recordingId as string))!.retain_until).toBe(retainUntil.toISOString());

  portal.clock.set(new Date(retainUntil.getTime() - 1));
  const browser = new ClaimantBrowser(portal.app);
  expect((await browser.enterNino(linkPath, CLAIMANT.nino)).status).toBe(303);

  portal.clock.set(retainUntil);
  const page = await browser.get(linkPath);
  expect(page.status).toBe(410);
  expect(page.text).toContain('This recording is no longer available');
  expect(await portal.cli('links', 'send', '--recording', added.json.recordingId as string)).toMatchObject({ code: 1 });
});
