import request from 'supertest';
import { CATALOGUES } from '../../server/i18n';
import { ClaimantBrowser } from '../support/claimantBrowser';
import { cookieSetBy, setCookiesOf } from '../support/cookieJar';
import { grantOf } from '../support/grants';
import { collectBytes } from '../support/portalBrowser';
import { DAY, MINUTE } from '../support/testClock';
import { CLAIMANT, sha256, startTestPortal, type TestPortal } from '../support/testPortal';

/** The claimant's pages as HTTP answers: languages, compression, cached assets and staying signed in (in a browser: tests/e2e/claimantPages). */

/** The visible words of a page: markup, scripts and styles removed. */
function visibleText(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>|<!--[\s\S]*?-->/g, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
}

/** Stretches of a catalogue's messages long enough to be unmistakable on a page (placeholders and links cut out). */
function phrasesOf(catalogue: Record<string, string>, except: (key: string) => boolean = () => false): string[] {
  return Object.entries(catalogue)
    .filter(([key]) => !except(key))
    .flatMap(([, message]) => message.split(/\{\w+\}|[[\]]|\n\n/))
    .map((phrase) => phrase.trim())
    .filter((phrase) => phrase.length >= 16);
}

/** What GOV.UK Frontend's components say in English when a page forgets to give them words. */
const GOVUK_ENGLISH_DEFAULTS = ['There is a problem', 'Skip to main content', 'Important', 'Support links', 'Crown copyright', 'Open Government Licence', 'Service information', 'Warning', 'Error:'];

describe('claimant pages over HTTP', () => {
  let portal: TestPortal;
  beforeEach(async () => {
    portal = await startTestPortal();
  });
  afterEach(async () => {
    await portal.close();
  });

  const langOf = (html: string) => /<html lang="([^"]*)"/.exec(html)?.[1];
  const recordingIn = (language: 'en' | 'cy') => portal.recordingWithLink(undefined, undefined, language);

  test('?lang=cy answers in Welsh and remembers the choice; the toggle offers English, marked as English', async () => {
    const answer = await request(portal.app).get('/?lang=cy');
    expect(answer.status).toBe(200);
    expect(langOf(answer.text)).toBe('cy');
    expect(answer.text).toContain('<title>Cael recordiad o’ch asesiad – Cael recordiad o’ch asesiad – GOV.UK</title>');
    const cookie = setCookiesOf(answer).find((c) => c.startsWith('lang='))!;
    expect(cookie).toMatch(/^lang=cy; Max-Age=31536000; Path=\/; Expires=[^;]+; HttpOnly; Secure; SameSite=Lax$/);
    const toggle = /<nav class="govuk-language-navigation"[\s\S]*?<\/nav>/.exec(answer.text)![0].replace(/\s+/g, ' ');
    expect(toggle).toContain('aria-label="Iaith"');
    expect(toggle).toContain('<a class="govuk-language-navigation__link" href="?lang=en" rel="alternate" lang="en" hreflang="en">English<span class="govuk-visually-hidden"> Change the language to English</span> </a>');
    expect(toggle).toContain('aria-current="true" lang="cy">Cymraeg</span>');

    const remembered = await request(portal.app).get('/help').set('Cookie', 'lang=cy');
    expect(langOf(remembered.text)).toBe('cy');
    expect(remembered.text).toContain('Help gyda recordiad eich asesiad');
  });

  test('an unknown, repeated, oversized or garbled language choice means English, never an error', async () => {
    const attempts = [
      request(portal.app).get('/?lang=xx'),
      request(portal.app).get('/?lang=cy&lang=en'),
      request(portal.app).get('/?lang[cy]=1'),
      request(portal.app).get(`/?lang=${'c'.repeat(5000)}`),
      request(portal.app).get('/').set('Cookie', `lang=${'y'.repeat(6000)}`),
      request(portal.app).get('/').set('Cookie', 'lang=%E0%A4%A'),
      request(portal.app).get('/').set('Cookie', 'lang=CY'),
      request(portal.app).get('/r/k1.nonsense?lang=%ff'),
    ];
    for (const answer of await Promise.all(attempts)) {
      expect(answer.status).toBeLessThan(500);
      expect(langOf(answer.text)).toBe('en');
      expect(setCookiesOf(answer)).not.toEqual(expect.arrayContaining([expect.stringMatching(/^lang=/)]));
    }
  });

  test('a recording marked Welsh is shown in Welsh until the claimant picks English, which then sticks', async () => {
    const { path } = await recordingIn('cy');
    const claimant = new ClaimantBrowser(portal.app);
    const first = await claimant.get(path);
    expect(langOf(first.text)).toBe('cy');
    expect(first.text).toContain('Beth yw eich rhif Yswiriant Gwladol?');
    // The toggle on a page that answered a form post reopens the link itself, which GET can fetch.
    const wrong = await claimant.enterNino(path, 'AB 65 43 21 D');
    expect(wrong.text).toContain(`href="${path}?lang=en"`);
    expect(wrong.text).toContain('Mae gennych 4 cynnig ar ôl');

    const english = await claimant.get(`${path}?lang=en`);
    expect(langOf(english.text)).toBe('en');
    await claimant.enterNino(path, CLAIMANT.nino);
    const recording = await claimant.get(path);
    expect(langOf(recording.text)).toBe('en');
    expect(recording.text).toContain('Your assessment recording');
  });

  test('every claimant page in Welsh is Welsh throughout, and every page in English is English throughout', async () => {
    const pages: { name: string; lang: 'en' | 'cy'; html: string }[] = [];
    for (const lang of ['en', 'cy'] as const) {
      const claimant = new ClaimantBrowser(portal.app);
      const keep = async (name: string, answer: Promise<request.Response>) => {
        const { text } = await answer;
        pages.push({ name, lang, html: text });
      };
      await keep('start', claimant.get(`/?lang=${lang}`));
      await keep('help', claimant.get('/help'));
      await keep('accessibility', claimant.get('/accessibility'));
      await keep('page-not-found', claimant.get('/nowhere'));
      await keep('link-not-recognised', claimant.get('/r/k1.nonsense'));
      const { path, recordingId } = await recordingIn(lang);
      await keep('enter-nino', claimant.get(path));
      await keep('nino-empty', claimant.enterNino(path, ''));
      await keep('nino-format', claimant.enterNino(path, '12345'));
      await keep('nino-wrong', claimant.enterNino(path, 'AB 65 43 21 D'));
      await claimant.enterNino(path, CLAIMANT.nino);
      await keep('recording', claimant.get(path));
      const grant = grantOf(pages.at(-1)!.html)!;
      await claimant.post(`${path}/download`, { grant });
      await keep('download-button-used', claimant.post(`${path}/download`, { grant }));
      await keep('recording-downloaded', claimant.get(path));
      await keep('bad-request', claimant.post(path, 'nino=%E0%A4%A'));
      await keep('too-large', claimant.post(path, { nino: 'x'.repeat(5000) }));
      await portal.sendLink(recordingId);
      await keep('link-replaced', claimant.get(path));
      const other = await recordingIn(lang);
      for (let i = 0; i < 5; i++) await claimant.enterNino(other.path, 'AB 65 43 21 D');
      await keep('link-locked', claimant.get(other.path));
      const later = await recordingIn(lang);
      portal.clock.advance(8 * DAY);
      await keep('link-expired', claimant.get(later.path));
      portal.clock.advance(-8 * DAY);
    }

    // Each language's name and "change to" text are written in that language on every page, by design.
    const toggle = (key: string) => key.startsWith('language.');
    const english = phrasesOf(CATALOGUES.en, toggle);
    const welsh = phrasesOf(CATALOGUES.cy, toggle);
    const leaks = pages.flatMap(({ name, lang, html }) => {
      const text = visibleText(html);
      const foreign = lang === 'cy' ? [...english, ...GOVUK_ENGLISH_DEFAULTS] : welsh;
      return [
        ...(langOf(html) === lang ? [] : [`${name} (${lang}): <html lang="${langOf(html)}">`]),
        ...foreign.filter((phrase) => text.includes(phrase)).map((phrase) => `${name} (${lang}): "${phrase}"`),
      ];
    });
    expect(leaks).toEqual([]);
    expect(pages).toHaveLength(2 * 17);
  });

  test('pages link only to assets under content-hashed addresses, which are cached for a year and compressed', async () => {
    const page = await request(portal.app).get('/');
    const referenced = [...page.text.matchAll(/(?:href|src)="(\/[^"]+)"/g)].map((m) => m[1]).filter((url) => /\.(css|m?js|svg|ico|png)$/.test(url));
    expect(referenced.length).toBeGreaterThanOrEqual(7);
    expect(referenced.filter((url) => !/^\/immutable\/[0-9a-f]{16}\//.test(url))).toEqual([]);

    const css = referenced.find((url) => url.endsWith('/govuk-frontend.min.css'))!;
    const raw = await request(portal.app).get(css).set('Accept-Encoding', 'identity');
    expect(raw.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(raw.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(raw.headers['content-encoding']).toBeUndefined();
    expect(raw.headers.vary).toBe('Accept-Encoding');
    // The stylesheet's own references to fonts and images point at their hashed addresses too.
    const cssUrls = [...raw.text.matchAll(/url\(([^)]+)\)/g)].map((m) => m[1]);
    expect(cssUrls.length).toBeGreaterThan(0);
    expect(cssUrls.filter((url) => !url.startsWith('/immutable/'))).toEqual([]);
    expect((await request(portal.app).get(cssUrls[0])).status).toBe(200);

    const brotli = await request(portal.app).get(css).set('Accept-Encoding', 'gzip, br');
    expect(brotli.headers['content-encoding']).toBe('br');
    expect(Number(brotli.headers['content-length'])).toBeLessThan(raw.text.length / 5);
    expect(brotli.text).toBe(raw.text);
    expect((await request(portal.app).get(css)).headers['content-encoding']).toBe('gzip');

    const stale = css.replace(/\/immutable\/[0-9a-f]{16}\//, '/immutable/0000000000000000/');
    const staleAnswer = await request(portal.app).get(stale);
    expect(staleAnswer.status).toBe(200);
    expect(staleAnswer.headers['cache-control']).toBe('no-cache');
    expect((await request(portal.app).get('/immutable/0000000000000000/static/nothing.css')).status).toBe(404);
  });

  test('pages are compressed for browsers that accept it, and stay uncached', async () => {
    const { path } = await recordingIn('en');
    const compressed = await request(portal.app).get(path);
    expect(compressed.headers['content-encoding']).toBe('gzip');
    expect(compressed.headers.vary).toContain('Accept-Encoding');
    expect(compressed.headers['cache-control']).toBe('no-store');
    expect(compressed.text).toContain('What is your National Insurance number?');
    expect(compressed.headers['content-type']).toBe('text/html; charset=utf-8');
    const plain = await request(portal.app).get(path).set('Accept-Encoding', 'identity');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(Number(compressed.headers['content-length'])).toBeLessThan(Number(plain.headers['content-length']) / 2);

    // Another claimant's link, as a phone's browser asks for it: the same page, in brotli.
    const other = await recordingIn('en');
    const brotli = await request(portal.app).get(other.path).set('Accept-Encoding', 'gzip, deflate, br');
    expect(brotli.headers['content-encoding']).toBe('br');
    expect(brotli.text).toBe(plain.text);
    expect(Number(brotli.headers['content-length'])).toBeLessThan(Number(compressed.headers['content-length']));

    // A page answering the claimant's own input is made for them, and compressed all the same.
    const wrong = await request(portal.app).post(path).type('form').send({ nino: 'not a nino' });
    expect(wrong.status).toBe(400);
    expect(wrong.headers['content-encoding']).toBe('gzip');
    expect(wrong.text).toContain('not a nino');
  });

  test('"stay signed in" renews the session for the same link: as JSON for the page script, as a redirect for a plain form', async () => {
    const { path, audio } = await recordingIn('en');
    const claimant = new ClaimantBrowser(portal.app);
    expect((await claimant.post(`${path}/session`, {})).headers.location).toBe(path);

    const signIn = await claimant.enterNino(path, CLAIMANT.nino);
    const firstSession = cookieSetBy(signIn, 'recording_session')!;
    portal.clock.advance(18 * MINUTE);
    // Two minutes left (the session's end is kept to the second, so a moment less).
    const secondsLeft = Number(/data-seconds-left="(\d+)"/.exec((await claimant.get(path)).text)![1]);
    expect(secondsLeft).toBeGreaterThanOrEqual(119);
    expect(secondsLeft).toBeLessThanOrEqual(120);

    const renewed = await request(portal.app).post(`${path}/session`).set('Accept', 'application/json').set('Cookie', firstSession);
    expect(renewed.status).toBe(200);
    expect(renewed.body.secondsLeft).toBeGreaterThanOrEqual(1199);
    expect(renewed.body).toMatchObject({ notice: expect.stringMatching(/^For your security, we will sign you out of this page at /), grant: expect.any(String) });
    expect(renewed.body.confirmation).toMatch(/^You will stay signed in until \d/);
    expect(setCookiesOf(renewed)[0]).toMatch(/^recording_session=[^;]+; Path=\/r\/; HttpOnly; Secure; SameSite=Strict$/);
    const renewedSession = cookieSetBy(renewed, 'recording_session')!;

    // Past the first session's end: only the renewed cookie and the grant issued with it can download.
    portal.clock.advance(5 * MINUTE);
    expect((await request(portal.app).post(`${path}/download`).type('form').set('Cookie', firstSession).send({ grant: renewed.body.grant })).headers.location).toBe(path);
    const download = await request(portal.app)
      .post(`${path}/download`)
      .type('form')
      .set('Cookie', renewedSession)
      .send({ grant: renewed.body.grant });
    expect(download.status).toBe(303);
    expect(sha256((await request(portal.app).get(download.headers.location).buffer(true).parse(collectBytes)).body)).toBe(sha256(audio));

    const form = await request(portal.app).post(`${path}/session`).set('Cookie', renewedSession);
    expect(form.status).toBe(303);
    expect(form.headers.location).toBe(`${path}#session`);
  });
});
