import { ClaimantBrowser } from '../support/claimantBrowser';
import { setCookiesOf } from '../support/cookieJar';
import { grantOf } from '../support/grants';
import { DAY, HOUR, MINUTE } from '../support/testClock';
import { CLAIMANT, sha256, startTestPortal, type TestPortal } from '../support/testPortal';

let portal: TestPortal;
beforeEach(async () => {
  portal = await startTestPortal();
});
afterEach(async () => {
  await portal.close();
});

async function signedIn(linkPath: string) {
  const browser = new ClaimantBrowser(portal.app);
  const answer = await browser.enterNino(linkPath, 'ab 12 34 56 c');
  expect(answer.status).toBe(303);
  return browser;
}

async function link(linkId: string) {
  return (await portal.links.findLink(linkId))!;
}

describe('the claimant journey', () => {
  test('from recordings add through the texted link to the downloaded bytes, which match the original', async () => {
    const { audio, message, path } = await portal.recordingWithLink();
    expect(message.to).toBe('+447700900123');
    expect(message.body).toContain(message.url);
    expect(message.url.startsWith('https://recordings.example.gov.uk/r/')).toBe(true);

    const browser = new ClaimantBrowser(portal.app);
    const landing = await browser.get(path);
    expect(landing.status).toBe(200);
    expect(landing.text).toContain('What is your National Insurance number?');
    expect(landing.text).toMatch(/autocomplete="off"/);
    expect(landing.text).toMatch(/spellcheck="false"/);

    const signIn = await browser.enterNino(path, 'ab 12 34 56 c');
    expect(signIn.status).toBe(303);
    expect(signIn.headers.location).toBe(`${path}?confirmed`);
    const cookie = setCookiesOf(signIn)[0];
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/Secure/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toMatch(/Expires|Max-Age/);

    const page = await browser.get(path);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Your assessment recording');
    expect(page.text).toContain('3 seconds');
    expect(page.text).toContain(sha256(audio));
    expect(page.headers['cache-control']).toBe('no-store');

    const download = await browser.download(path);
    expect(download.status).toBe(303);
    expect(download.headers['cache-control']).toBe('no-store');
    expect(download.headers['referrer-policy']).toBe('no-referrer');
    expect(download.headers.location).toMatch(new RegExp(`^${path}/download/[\\w-]+\\.[\\w-]+\\.[\\w-]+$`));
    const file = await browser.getBytes(download.headers.location);
    expect(file.status).toBe(200);
    expect(sha256(file.bytes)).toBe(sha256(audio));
    expect(file.headers['content-type']).toBe('audio/wav');
    expect(file.headers['content-length']).toBe(String(audio.length));
    expect(file.headers['accept-ranges']).toBe('bytes');
    expect(file.headers['cache-control']).toBe('private, no-store');
    expect(file.headers['content-disposition']).toMatch(/^attachment; filename="assessment-recording-\d{4}-\d{2}-\d{2}\.wav"$/);
  });

  test('the NINO form holds nothing of the link: it posts back to its own address, the same page for every link in a language', async () => {
    const first = await portal.recordingWithLink();
    const second = await portal.recordingWithLink();
    const pages = await Promise.all([first.path, second.path, `${first.path}?lang=cy`, `${second.path}?lang=cy`].map((path) => new ClaimantBrowser(portal.app).get(path)));
    for (const page of pages) {
      expect(page.status).toBe(200);
      expect(page.text).not.toContain(first.token);
      expect(page.text).not.toContain(second.token);
      expect(page.text).toContain('<form method="post" novalidate>');
    }
    const [english1, english2, welsh1, welsh2] = pages.map((page) => page.text);
    expect(english2).toBe(english1);
    expect(welsh2).toBe(welsh1);
    expect(welsh1).toContain('Beth yw eich rhif Yswiriant Gwladol?');
    expect(english1).toContain('What is your National Insurance number?');
    // The form, posted from the page's own address, checks the NINO of the link in that address.
    const browser = new ClaimantBrowser(portal.app);
    expect((await browser.enterNino(second.path, CLAIMANT.nino)).headers.location).toBe(`${second.path}?confirmed`);
  });

  test("a download's address starts a transfer until 60 seconds after the button was pressed, and not at 60 seconds", async () => {
    portal.clock.set(new Date('2026-11-20T10:00:00.000Z'));
    const { path } = await portal.recordingWithLink();
    const browser = await signedIn(path);
    const { location } = (await browser.download(path)).headers;
    portal.clock.advance(MINUTE - 1);
    expect((await browser.getBytes(location)).status).toBe(200);
    portal.clock.advance(1);
    const late = await browser.getBytes(location);
    expect(late.status).toBe(410);
    expect(late.text ?? late.bytes.toString()).toContain('This download has ended');
  });

  test('listening streams the audio inline in slices, each under the session, and does not count as a download', async () => {
    const { audio, path, linkId } = await portal.recordingWithLink();
    const browser = await signedIn(path);
    const first = await browser.getBytes(`${path}/listen`, { Range: 'bytes=0-' });
    expect(first.status).toBe(206);
    expect(first.headers['content-disposition']).toMatch(/^inline;/);
    expect(first.headers['content-range']).toBe(`bytes 0-${audio.length - 1}/${audio.length}`);
    expect(sha256(first.bytes)).toBe(sha256(audio));
    expect((await link(linkId)).first_download_at).toBeNull();
    portal.clock.advance(2 * DAY);
    expect((await (await signedIn(path)).download(path)).status).toBe(303);
  });

  test('listening needs the NINO first', async () => {
    const { path } = await portal.recordingWithLink();
    const stranger = new ClaimantBrowser(portal.app);
    const listen = await stranger.get(`${path}/listen`);
    expect(listen.status).toBe(403);
    expect(listen.headers['content-type']).toMatch(/^text\/html/);
    expect(listen.text).toContain(`href="${path}"`);
  });
});

describe('the access window', () => {
  test('re-downloads work until just before 24 hours after the first download, and not at 24 hours', async () => {
    const { path, linkId } = await portal.recordingWithLink();
    const browser = await signedIn(path);
    expect((await browser.download(path)).status).toBe(303);
    const first = new Date((await link(linkId)).first_download_at!);

    portal.clock.set(new Date(first.getTime() + 24 * HOUR - 1000));
    const again = await signedIn(path);
    expect((await again.download(path)).status).toBe(303);
    expect((await link(linkId)).download_count).toBe(2);
    expect((await link(linkId)).first_download_at).toBe(first.toISOString());

    portal.clock.set(new Date(first.getTime() + 24 * HOUR));
    const late = await again.get(path);
    expect(late.status).toBe(410);
    expect(late.text).toContain('This link has expired');
  });

  test('a link works until just before 7 days after sending, and not at 7 days', async () => {
    const { path, linkId } = await portal.recordingWithLink();
    const sentAt = new Date((await link(linkId)).sent_at);

    portal.clock.set(new Date(sentAt.getTime() + 7 * DAY - 1000));
    const browser = await signedIn(path);
    expect((await browser.get(path)).status).toBe(200);

    portal.clock.set(new Date(sentAt.getTime() + 7 * DAY));
    const expired = await browser.get(path);
    expect(expired.status).toBe(410);
    expect(expired.text).toContain('This link has expired');
    expect((await new ClaimantBrowser(portal.app).enterNino(path, CLAIMANT.nino)).status).toBe(410);
  });

  test('a first download near day 7 does not extend the link past day 7', async () => {
    const { path, linkId } = await portal.recordingWithLink();
    const sentAt = new Date((await link(linkId)).sent_at);
    portal.clock.set(new Date(sentAt.getTime() + 7 * DAY - HOUR));
    const browser = await signedIn(path);
    expect((await browser.download(path)).status).toBe(303);
    portal.clock.set(new Date(sentAt.getTime() + 7 * DAY));
    expect((await browser.get(path)).status).toBe(410);
  });

  test('the page a download button came from stops working when the link expires', async () => {
    const { path, linkId } = await portal.recordingWithLink();
    const browser = await signedIn(path);
    const grant = grantOf(await browser.get(path));
    const sentAt = new Date((await link(linkId)).sent_at);
    portal.clock.set(new Date(sentAt.getTime() + 7 * DAY));
    const late = await browser.post(`${path}/download`, { grant });
    expect(late.status).toBe(410);
    expect((await link(linkId)).download_count).toBe(0);
  });
});

describe('links replaced, sessions and grants', () => {
  test('sending a new link revokes the old one, which then says it was replaced', async () => {
    const first = await portal.recordingWithLink();
    const second = await portal.sendLink(first.recordingId);
    const old = await new ClaimantBrowser(portal.app).get(first.path);
    expect(old.status).toBe(410);
    expect(old.text).toContain('This link has been replaced');
    expect((await new ClaimantBrowser(portal.app).get(second.path)).status).toBe(200);
    const events = await portal.audit.auditTrail({ linkId: first.linkId });
    expect(events.map((e) => e.type)).toEqual(['link.issued', 'link.revoked']);
  });

  test('a session from the old link cannot download after a new link is sent', async () => {
    const first = await portal.recordingWithLink();
    const browser = await signedIn(first.path);
    const grant = grantOf(await browser.get(first.path));
    await portal.sendLink(first.recordingId);
    expect((await browser.post(`${first.path}/download`, { grant })).status).toBe(410);
  });

  test('a new browser session has to confirm the NINO again', async () => {
    const { path } = await portal.recordingWithLink();
    const browser = await signedIn(path);
    expect((await browser.get(path)).text).toContain('Your assessment recording');
    browser.restart();
    const again = await browser.get(path);
    expect(again.status).toBe(200);
    expect(again.text).toContain('What is your National Insurance number?');
  });

  test('an expired session returns the claimant to the NINO step with an explanation, not an error', async () => {
    const { path } = await portal.recordingWithLink();
    const browser = await signedIn(path);
    portal.clock.advance(21 * MINUTE);
    const page = await browser.get(path);
    expect(page.status).toBe(200);
    expect(page.text).toContain('you need to enter your National Insurance number again');
  });

  test('a session for one link does not open another', async () => {
    const a = await portal.recordingWithLink();
    const b = await portal.recordingWithLink();
    const browser = await signedIn(a.path);
    const other = await browser.get(b.path);
    expect(other.text).toContain('What is your National Insurance number?');
    const download = await browser.post(`${b.path}/download`, { grant: 'x' });
    expect(download.status).toBe(303);
    expect(download.headers.location).toBe(b.path);
  });

  test('a download grant works once: replaying it is refused and records nothing', async () => {
    const { path, linkId, audio } = await portal.recordingWithLink();
    const browser = await signedIn(path);
    const grant = grantOf(await browser.get(path));
    const first = await browser.post(`${path}/download`, { grant });
    expect(first.status).toBe(303);
    expect(sha256((await browser.getBytes(first.headers.location)).bytes)).toBe(sha256(audio));
    const replay = await browser.post(`${path}/download`, { grant });
    expect(replay.status).toBe(409);
    expect(replay.headers.location).toBeUndefined();
    expect(replay.text).toContain('This download button has already been used');
    expect((await link(linkId)).download_count).toBe(1);
  });

  test('a grant from another browser session is refused', async () => {
    const { path, linkId } = await portal.recordingWithLink();
    const owner = await signedIn(path);
    const grant = grantOf(await owner.get(path));
    const other = await signedIn(path);
    expect((await other.post(`${path}/download`, { grant })).status).toBe(409);
    expect((await link(linkId)).download_count).toBe(0);
  });

  test('every step is in the audit log', async () => {
    const { path, linkId } = await portal.recordingWithLink();
    const browser = new ClaimantBrowser(portal.app);
    await browser.get(path);
    await browser.enterNino(path, 'AB 99 99 99 A');
    await browser.enterNino(path, CLAIMANT.nino);
    await browser.download(path);
    const events = await portal.audit.auditTrail({ linkId });
    expect(events.map((e) => e.type)).toEqual(['link.issued', 'link.opened', 'nino.failed', 'nino.verified', 'recording.downloaded']);
    expect(JSON.parse(events.at(-1)!.detail)).toEqual({ download: 1, device: 'phone' });
  });
});
