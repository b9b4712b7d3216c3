import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import request from 'supertest';
import { requestDeletion, retentionSweep } from '../../server/services/retention';
import type { TranscriptStore } from '../../server/store/transcriptStore';
import { ClaimantBrowser } from '../support/claimantBrowser';
import { expectMatchesOpenApi } from '../support/openApiCheck';
import { providerRecording } from '../support/providerRecording';
import { signedInStaff, type StaffBrowser } from '../support/staffBrowser';
import { CLAIMANT, sha256, startTestPortal, type TestPortal } from '../support/testPortal';

// A 20-second recording and a transcript of it, as a provider's typist or a supervisor would send it.
const SECONDS = 20;
const VTT = 'WEBVTT\n\n00:00:01.000 --> 00:00:06.000\nAssessor: Can you cook a meal for yourself?\n\n00:00:06.500 --> 00:00:12.000\nClaimant: Not without help &amp; not every day.\n\n00:00:12.000 --> 00:00:20.500\nAssessor: Thank you.\n';
const REPLACEMENT = 'WEBVTT\n\n00:00:01.000 --> 00:00:19.000\nA corrected transcript.\n';

// Staff sign-ins weigh passwords with argon2: on a shared two-core machine a test of several passes 30 s.
jest.setTimeout(90_000);

let portal: TestPortal;
let transcripts: TranscriptStore;
beforeEach(async () => {
  portal = await startTestPortal();
  transcripts = portal.deps.transcriptStore;
});
afterEach(async () => {
  await portal.close();
});

const putTranscript = (apiKey: string, recordingId: string, body: string | Buffer, contentType = 'text/vtt') =>
  request(portal.app).put(`/api/v1/recordings/${recordingId}/transcript`).set('Authorization', `Bearer ${apiKey}`).set('Content-Type', contentType).send(body);

const transcriptEvents = async (recordingId: string) =>
  (await portal.audit.auditTrail({ recordingId })).filter((event) => event.type.startsWith('transcript.')).map((event) => ({ type: event.type, actor: event.actor, detail: JSON.parse(event.detail) }));

async function signedInClaimant(recordingId: string) {
  const { path } = await portal.sendLink(recordingId);
  const browser = new ClaimantBrowser(portal.app);
  await browser.enterNino(path, CLAIMANT.nino);
  return { browser, path };
}

describe('through the provider API', () => {
  test('a transcript is attached (201), stored in the bucket, audited, and replaced (200) with the old object deleted', async () => {
    const { apiKey, recordingId } = await providerRecording(portal, 'TRN-API-1', { seconds: SECONDS });
    const attached = await putTranscript(apiKey, recordingId, VTT);
    expectMatchesOpenApi(attached, 'put', `/api/v1/recordings/${recordingId}/transcript`);
    expect(attached.status).toBe(201);
    expect(attached.body).toEqual({ sha256: sha256(Buffer.from(VTT)), sizeBytes: Buffer.byteLength(VTT), cues: 3, attachedAt: portal.clock().toISOString() });
    const first = (await transcripts.current(recordingId))!;
    expect(first.object_key).toMatch(new RegExp(`^transcripts/${recordingId}/[0-9a-f-]{36}\\.vtt$`));
    expect(await portal.deps.objects.exists(first.object_key)).toBe(true);

    const shown = await request(portal.app).get(`/api/v1/recordings/${recordingId}/transcript`).set('Authorization', `Bearer ${apiKey}`);
    expectMatchesOpenApi(shown, 'get', `/api/v1/recordings/${recordingId}/transcript`);
    expect(shown.body.sha256).toBe(attached.body.sha256);

    const replaced = await putTranscript(apiKey, recordingId, REPLACEMENT, 'text/vtt; charset=utf-8');
    expectMatchesOpenApi(replaced, 'put', `/api/v1/recordings/${recordingId}/transcript`);
    expect(replaced.status).toBe(200);
    const second = (await transcripts.current(recordingId))!;
    expect(second).toMatchObject({ sha256: sha256(Buffer.from(REPLACEMENT)), cue_count: 1, replaced_count: 1 });
    expect(await portal.deps.objects.exists(first.object_key)).toBe(false);
    expect(await portal.deps.objects.exists(second.object_key)).toBe(true);
    expect(await transcriptEvents(recordingId)).toEqual([
      { type: 'transcript.attached', actor: expect.stringMatching(/^provider:/), detail: expect.objectContaining({ source: 'provider', sha256: first.sha256, cues: 3 }) },
      { type: 'transcript.replaced', actor: expect.stringMatching(/^provider:/), detail: expect.objectContaining({ sha256: second.sha256, replacedSha256: first.sha256 }) },
    ]);
  });

  test.each([
    ['not text/vtt', VTT, 'text/plain', 415, /text\/vtt/],
    ['no WEBVTT signature', VTT.replace('WEBVTT', 'WEBVT'), 'text/vtt', 422, /not valid WebVTT: line 1: No valid signature/],
    ['a broken timestamp', VTT.replace('00:00:06.500 -->', '00:00:6.5 -->'), 'text/vtt', 422, /not valid WebVTT: line \d+/],
    ['markup in a cue', VTT.replace('Thank you.', '<b>Thank</b> you.'), 'text/vtt', 422, /cue 3 \(at 0:00:12\) holds markup \(<b>\)/],
    ['a voice tag', VTT.replace('Assessor: Can', '<v Assessor>Can'), 'text/vtt', 422, /cue 1 .* holds markup \(<v Assessor>\)/],
    ['a STYLE block', 'WEBVTT\n\nSTYLE\n::cue { color: red }\n\n00:00:01.000 --> 00:00:02.000\nHi\n', 'text/vtt', 422, /STYLE blocks are not accepted/],
    ['a cue past the end of the recording', VTT.replace('00:00:20.500', '00:00:25.000'), 'text/vtt', 422, /cue 3 \(at 0:00:12\) ends at 0:00:25, after the recording, which lasts 0:00:20/],
    ['no cue', 'WEBVTT\n', 'text/vtt', 422, /no cues/],
    ['bytes that are not UTF-8', Buffer.concat([Buffer.from('WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n'), Buffer.from([0xff, 0xfe, 0x0a])]), 'text/vtt', 422, /not UTF-8/],
  ])('%s is refused with a problem naming it, and nothing is stored', async (_name, body, contentType, status, detail) => {
    const { apiKey, recordingId } = await providerRecording(portal, `TRN-BAD-${status}`, { seconds: SECONDS });
    const manifest = (await portal.recordings.findRecording(recordingId))!.manifest;
    const refused = await putTranscript(apiKey, recordingId, body, contentType);
    expectMatchesOpenApi(refused, 'put', `/api/v1/recordings/${recordingId}/transcript`);
    expect(refused.status).toBe(status);
    expect(refused.body.detail).toMatch(detail);
    expect(await transcripts.current(recordingId)).toBeUndefined();
    expect((await portal.recordings.findRecording(recordingId))!.manifest).toBe(manifest);
    expect(await transcriptEvents(recordingId)).toEqual([]);
  });

  test('a transcript over the size limit (413), another provider\'s recording (404) and one asked to be deleted (409) are refused', async () => {
    await portal.close();
    portal = await startTestPortal({ TRANSCRIPT_MAX_KB: '1' });
    transcripts = portal.deps.transcriptStore;
    const { apiKey, recordingId } = await providerRecording(portal, 'TRN-LIMITS', { seconds: SECONDS });
    const long = `WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n${'word '.repeat(300)}\n`;
    const tooLarge = await putTranscript(apiKey, recordingId, long);
    expectMatchesOpenApi(tooLarge, 'put', `/api/v1/recordings/${recordingId}/transcript`);
    expect(tooLarge.status).toBe(413);

    const otherProvider = (await portal.cli('providers', 'add', '--name', 'Other Assessments Ltd')).json.apiKey as string;
    const stranger = await putTranscript(otherProvider, recordingId, VTT);
    expect(stranger.status).toBe(404);

    await requestDeletion(portal.deps, { recordingId, reason: 'claimant asked', actor: 'test' });
    const gone = await putTranscript(apiKey, recordingId, VTT);
    expectMatchesOpenApi(gone, 'put', `/api/v1/recordings/${recordingId}/transcript`);
    expect(gone.status).toBe(409);
    expect(await transcripts.current(recordingId)).toBeUndefined();
  });
});

describe('through the staff console', () => {
  async function uploadAs(who: string | StaffBrowser, recordingId: string, vtt: string, options: { csrf?: boolean; reason?: string } = {}) {
    const browser = typeof who === 'string' ? (await signedInStaff(portal, who)).browser : who;
    await browser.get(`/staff/recordings/${recordingId}`);
    let call = request(portal.app).post(`/staff/recordings/${recordingId}/transcript`).set('Cookie', browser.cookieHeader());
    if (options.csrf !== false) call = call.field('_csrf', browser.csrfToken()!);
    return { browser, answer: await call.field('reason', options.reason ?? 'Reasonable adjustment: the claimant is deaf').attach('transcript', Buffer.from(vtt), { filename: 'transcript.vtt', contentType: 'text/vtt' }) };
  }

  test('a supervisor attaches a transcript: the page says so and shows its history, and it can be handed out for a right of access request', async () => {
    const { recordingId } = await providerRecording(portal, 'TRN-STAFF-1', { seconds: SECONDS });
    const { browser, answer } = await uploadAs('supervisor', recordingId, VTT);
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('The transcript has been attached (3 cues)');
    expect(answer.text).toMatch(/Transcript attached by supervisor\.[a-z0-9]+@dwp\.example\.gov\.uk \(3 cues\)\. Reason: Reasonable adjustment: the claimant is deaf/);
    expect(answer.text).toContain(sha256(Buffer.from(VTT)));
    expect(await transcriptEvents(recordingId)).toEqual([
      { type: 'transcript.attached', actor: expect.stringMatching(/^[0-9a-f-]{36}$/), detail: expect.objectContaining({ source: 'staff', reason: 'Reasonable adjustment: the claimant is deaf' }) },
    ]);

    await browser.get(`/staff/recordings/${recordingId}`);
    const download = await browser.post(`/staff/recordings/${recordingId}/transcript/download`, { reason: 'Right of access request' });
    expect(download.status).toBe(200);
    expect(download.headers['content-type']).toBe('text/vtt; charset=utf-8');
    expect(download.headers['content-disposition']).toMatch(/^attachment; filename="?assessment-transcript-TRN-STAFF-1\.vtt"?$/);
    expect(download.text).toBe(VTT);
    expect((await transcriptEvents(recordingId)).at(-1)).toMatchObject({ type: 'transcript.staff-download', detail: { reason: 'Right of access request' } });
  });

  test('a malformed file, a missing reason, an agent and a form without its CSRF token are refused, and nothing is stored', async () => {
    const { recordingId } = await providerRecording(portal, 'TRN-STAFF-2', { seconds: SECONDS });
    const { browser: supervisor, answer: malformed } = await uploadAs('supervisor', recordingId, VTT.replace('Thank you.', 'Thank <i>you</i>.'));
    expect(malformed.status).toBe(400);
    expect(malformed.text).toContain('The transcript was not attached: cue 3 (at 0:00:12) holds markup (&lt;i&gt;)');
    expect(malformed.text).toContain('href="#transcript-file"');
    expect((await uploadAs(supervisor, recordingId, VTT, { reason: '' })).answer.status).toBe(400);
    expect((await uploadAs('agent', recordingId, VTT)).answer.status).toBe(403);
    const forged = (await uploadAs(supervisor, recordingId, VTT, { csrf: false })).answer;
    expect(forged.status).toBe(403);
    expect(forged.text).toContain('This form has expired');
    expect(await transcripts.current(recordingId)).toBeUndefined();
    expect(await transcriptEvents(recordingId)).toEqual([]);
  });
});

describe('for the claimant', () => {
  test('the page lists every cue with its time, linked to that time; the .vtt and .txt downloads need the session', async () => {
    const { apiKey, recordingId } = await providerRecording(portal, 'TRN-CLAIMANT', { seconds: SECONDS });
    await putTranscript(apiKey, recordingId, VTT);
    const { browser, path } = await signedInClaimant(recordingId);
    const page = await browser.get(path);
    expect(page.text).toContain('data-qa="transcript"');
    expect(page.text).toContain(`href="${path}/listen#t=6.5"`);
    expect(page.text).toMatch(/<span class="govuk-visually-hidden">Go to <\/span>0:00:06<\/a>\s*<span class="portal-transcript__text" data-cue-text>Claimant: Not without help &amp; not every day.<\/span>/);

    const vtt = await browser.get(`${path}/transcript.vtt`);
    expect(vtt.status).toBe(200);
    expect(vtt.headers['content-type']).toBe('text/vtt; charset=utf-8');
    expect(vtt.headers['content-disposition']).toMatch(/^attachment; filename="?assessment-transcript-\d{4}-\d{2}-\d{2}\.vtt"?$/);
    expect(vtt.text).toBe(VTT);
    const text = await browser.get(`${path}/transcript.txt`);
    expect(text.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(text.text).toBe('[0:00:01]\nAssessor: Can you cook a meal for yourself?\n\n[0:00:06]\nClaimant: Not without help & not every day.\n\n[0:00:12]\nAssessor: Thank you.\n');

    const stranger = await new ClaimantBrowser(portal.app).get(`${path}/transcript.vtt`);
    expect(stranger.status).toBe(303);
    expect(stranger.headers.location).toBe(path);
  });

  test('a recording without a transcript says how to ask for one', async () => {
    const { recordingId } = await providerRecording(portal, 'TRN-NONE', { seconds: SECONDS });
    const { browser, path } = await signedInClaimant(recordingId);
    expect((await browser.get(path)).text).toContain('There is no written transcript of this recording.');
    expect((await browser.get(`${path}/transcript.vtt`)).status).toBe(404);
  });

  test('the signed manifest names the transcript the claimant downloads, and still the audio', async () => {
    const { apiKey, recordingId } = await providerRecording(portal, 'TRN-MANIFEST', { seconds: SECONDS });
    const audioSha256 = (await portal.recordings.findRecording(recordingId))!.sha256;
    await putTranscript(apiKey, recordingId, VTT);
    const { browser, path } = await signedInClaimant(recordingId);
    const vtt = await browser.getBytes(`${path}/transcript.vtt`);
    const jws = (await browser.get(`${path}/manifest`)).text;
    const jwks = (await request(portal.app).get('/.well-known/jwks.json')).body as JSONWebKeySet;
    const manifest = JSON.parse(new TextDecoder().decode((await compactVerify(jws, createLocalJWKSet(jwks))).payload));
    expect(manifest).toMatchObject({ sha256: audioSha256, transcript: { sha256: sha256(vtt.bytes), sizeBytes: vtt.bytes.length, contentType: 'text/vtt' } });
    expect(await portal.deps.objects.exists((await transcripts.current(recordingId))!.object_key)).toBe(true);

    // Anyone handed the transcript (a tribunal, an adviser) can check it as they check the audio.
    const checked = await request(portal.app).get(`/verify?sha256=${sha256(vtt.bytes)}`);
    expect(checked.text).toContain('data-qa="verify-match"');
    expect(checked.text).toContain('This file is the written transcript of that recording');
    const edited = await request(portal.app).get(`/verify?sha256=${sha256(Buffer.concat([vtt.bytes, Buffer.from(' ')]))}`);
    expect(edited.text).not.toContain('data-qa="verify-match"');
  });
});

describe('retention', () => {
  test('a recording deleted on request takes its transcript out of the bucket with its audio', async () => {
    const { apiKey, recordingId } = await providerRecording(portal, 'TRN-DELETE', { seconds: SECONDS });
    await putTranscript(apiKey, recordingId, VTT);
    const { object_key: transcriptKey } = (await transcripts.current(recordingId))!;
    const { object_key: audioKey } = (await portal.recordings.findRecording(recordingId))!;
    await requestDeletion(portal.deps, { recordingId, reason: 'claimant asked', actor: 'test' });
    const report = await retentionSweep(portal.deps, { dryRun: false, actor: 'test' });
    expect(report.deleted).toEqual([expect.objectContaining({ recordingId })]);
    expect(await portal.deps.objects.exists(audioKey)).toBe(false);
    expect(await portal.deps.objects.exists(transcriptKey)).toBe(false);
  });

  test('a recording past its retention date takes its transcript with it; a legal hold keeps both', async () => {
    const { apiKey, recordingId } = await providerRecording(portal, 'TRN-RETAIN', { seconds: SECONDS });
    await putTranscript(apiKey, recordingId, VTT);
    const { object_key: transcriptKey } = (await transcripts.current(recordingId))!;
    const { retain_until } = (await portal.recordings.findRecording(recordingId))!;
    portal.clock.set(new Date(new Date(retain_until).getTime() + 1000));
    const holdId = await portal.retention.placeLegalHold(recordingId, 'appeal open', portal.clock(), 'test');
    expect(holdId).toBeTruthy();
    await retentionSweep(portal.deps, { dryRun: false, actor: 'test' });
    expect(await portal.deps.objects.exists(transcriptKey)).toBe(true);
    await portal.retention.liftLegalHolds(recordingId, 'appeal over', portal.clock(), 'test');
    await retentionSweep(portal.deps, { dryRun: false, actor: 'test' });
    expect(await portal.deps.objects.exists(transcriptKey)).toBe(false);
  });
});
