import request from 'supertest';
import { MAX_CUE_CHARACTERS } from '../../server/policy/transcript';
import { INLINE_CUES } from '../../server/policy/transcriptPage';
import { ClaimantBrowser } from '../support/claimantBrowser';
import { providerKey, providerRecording } from '../support/providerRecording';
import { signedInStaff } from '../support/staffBrowser';
import { CLAIMANT, startTestPortal, type TestPortal } from '../support/testPortal';

/** README: claimant pages weigh under 150 KB before the audio. */
const PAGE_BUDGET_BYTES = 150 * 1024;
const SECONDS = 60;

const clock = (ms: number) => {
  const s = Math.floor(ms / 1000);
  return `${String(Math.floor(s / 3600)).padStart(2, '0')}:${String(Math.floor(s / 60) % 60).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}.${String(ms % 1000).padStart(3, '0')}`;
};
/** `count` cues evenly over the first `seconds`, each saying `text` (WebVTT-escaped already). */
const transcript = (count: number, text: (i: number) => string, seconds = SECONDS) =>
  ['WEBVTT', ...Array.from({ length: count }, (_, i) => `${clock(Math.floor((i * seconds * 1000) / count))} --> ${clock(Math.floor(((i + 1) * seconds * 1000) / count))}\n${text(i)}`)].join('\n\n');

jest.setTimeout(90_000);
let portal: TestPortal;
let providerApiKey: string;
beforeAll(async () => {
  portal = await startTestPortal();
  providerApiKey = await providerKey(portal);
});
afterAll(() => portal.close());

const putTranscript = (apiKey: string, recordingId: string, body: string) =>
  request(portal.app).put(`/api/v1/recordings/${recordingId}/transcript`).set('Authorization', `Bearer ${apiKey}`).set('Content-Type', 'text/vtt').send(body);

async function signedInClaimant(recordingId: string) {
  const { path } = await portal.sendLink(recordingId);
  const browser = new ClaimantBrowser(portal.app);
  await browser.enterNino(path, CLAIMANT.nino);
  return { browser, path };
}

let ref = 0;
const recording = () => providerRecording(portal, `TRN-BOUND-${++ref}`, { seconds: SECONDS, apiKey: providerApiKey });

describe('what a transcript may hold', () => {
  test('50,000 cues (1.6 MB, within TRANSCRIPT_MAX_KB) for a minute of audio are refused with 422 transcript-invalid, naming the bound; nothing is kept', async () => {
    const { apiKey, recordingId } = await recording();
    const flood = transcript(50_000, () => 'x');
    expect(Buffer.byteLength(flood)).toBeLessThan(portal.config.transcriptMaxBytes);
    const refused = await putTranscript(apiKey, recordingId, flood);
    expect(refused.status).toBe(422);
    expect(refused.body.type).toMatch(/\/problems\/transcript-invalid$/);
    expect(refused.body.detail).toBe('the transcript has 50000 cues; a transcript may have at most 120 (one for each half-second of the recording, which lasts 0:01:00)');
    expect(await portal.deps.transcriptStore.current(recordingId)).toBeUndefined();
  });

  test(`a cue of more than ${MAX_CUE_CHARACTERS} characters is refused; 120 cues for a minute are accepted`, async () => {
    const { apiKey, recordingId } = await recording();
    const long = await putTranscript(apiKey, recordingId, transcript(2, (i) => (i === 1 ? 'a'.repeat(MAX_CUE_CHARACTERS + 1) : 'hello')));
    expect(long.status).toBe(422);
    expect(long.body.detail).toMatch(/^cue 2 \(at 0:00:30\) holds 2001 characters of text; a cue may hold at most 2000$/);
    const fine = await putTranscript(apiKey, recordingId, transcript(120, (i) => `part ${i}`));
    expect([fine.status, fine.text]).toEqual([201, expect.any(String)]);
  });
});

test('the staff console refuses the same transcript, saying why, and keeps nothing', async () => {
  const { recordingId } = await recording();
  const { browser } = await signedInStaff(portal, 'supervisor');
  await browser.get(`/staff/recordings/${recordingId}`);
  const answer = await request(portal.app)
    .post(`/staff/recordings/${recordingId}/transcript`)
    .set('Cookie', browser.cookieHeader())
    .field('_csrf', browser.csrfToken()!)
    .field('reason', 'Reasonable adjustment: the claimant is deaf')
    .attach('transcript', Buffer.from(transcript(121, () => 'x')), { filename: 'transcript.vtt', contentType: 'text/vtt' });
  expect(answer.status).toBe(400);
  expect(answer.text).toContain('The transcript was not attached: the transcript has 121 cues; a transcript may have at most 120 (one for each half-second of the recording, which lasts 0:01:00)');
  expect(await portal.deps.transcriptStore.current(recordingId)).toBeUndefined();
});

describe('the recording page with the longest transcript there can be', () => {
  test.each([
    ['120 cues of 2,000 characters, each one escaped in HTML', (i: number) => `${i} ${'&lt;'.repeat(MAX_CUE_CHARACTERS - 10)}`],
    ['120 short cues', (i: number) => `Part ${i}: the claimant describes their day.`],
  ])('%s: the HTML stays within its budget; every cue comes from transcript.json, compressed, behind the session, kept by no cache', async (_shape, text) => {
    const { apiKey, recordingId } = await recording();
    const vtt = transcript(120, text);
    expect((await putTranscript(apiKey, recordingId, vtt)).status).toBe(201);
    const { browser, path } = await signedInClaimant(recordingId);

    const page = await browser.get(path);
    expect(page.status).toBe(200);
    expect(Buffer.byteLength(page.text)).toBeLessThan(PAGE_BUDGET_BYTES);
    const inline = page.text.match(/data-qa="cue"/g)!.length;
    expect(inline).toBeLessThanOrEqual(INLINE_CUES);
    expect(page.text).toContain(`This shows the first ${inline} of 120 parts of the transcript.`);
    expect(page.text).toContain(`href="${path}/transcript.txt" data-qa="transcript-partial-txt"`);

    const json = await browser.getBytes(`${path}/transcript.json`, { 'Accept-Encoding': 'gzip' });
    expect(json.status).toBe(200);
    expect(json.headers['content-encoding']).toBe('gzip');
    // A health assessment's words: like every page with personal data, kept by no cache, the browser's included.
    expect(json.headers['cache-control']).toBe('no-store');
    // (supertest has unzipped it already)
    const body = JSON.parse((json.body as Buffer).toString('utf8'));
    expect(body.cues).toHaveLength(120);
    expect(body.cues[119].text).toBe(text(119).replaceAll('&lt;', '<'));

    const stranger = await new ClaimantBrowser(portal.app).get(`${path}/transcript.json`);
    expect(stranger.status).not.toBe(200);
    expect(stranger.text).not.toContain('claimant describes');
  });

  test('a replaced transcript: the JSON and the next page give the new one whole', async () => {
    const { apiKey, recordingId } = await recording();
    const first = transcript(120, (i) => `First version, part ${i}.`);
    expect((await putTranscript(apiKey, recordingId, first)).status).toBe(201);
    const { browser, path } = await signedInClaimant(recordingId);
    expect((await browser.get(`${path}/transcript.json`)).body.cues).toHaveLength(120);
    expect((await putTranscript(apiKey, recordingId, transcript(3, (i) => `Second version, part ${i}.`))).status).toBe(200);
    const after = await browser.get(`${path}/transcript.json`);
    expect(after.status).toBe(200);
    expect(after.body.cues.map((cue: { text: string }) => cue.text)).toEqual(['Second version, part 0.', 'Second version, part 1.', 'Second version, part 2.']);
    const page = await browser.get(path);
    expect(page.text).toContain('Second version, part 2.');
    expect(page.text).not.toContain('First version');
    expect(page.text).not.toContain('data-qa="transcript-partial"');
  });
});
