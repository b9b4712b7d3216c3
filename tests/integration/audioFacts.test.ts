import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { wavHeader } from '../../server/demoAudio';
import { ClaimantBrowser } from '../support/claimantBrowser';
import { signedInStaff } from '../support/staffBrowser';
import { expectMatchesOpenApi } from '../support/openApiCheck';
import { CLAIMANT, startTestPortal, type TestPortal } from '../support/testPortal';

/** Five seconds of a 440 Hz tone in each format, made once with ffmpeg (see tests/fixtures/audio/README.md). */
const fixture = (extension: string) => readFileSync(path.join(__dirname, '..', 'fixtures', 'audio', `five-seconds.${extension}`));

let portal: TestPortal;
let apiKey: string;
let staff: Awaited<ReturnType<typeof signedInStaff>>['browser'];
beforeAll(async () => {
  portal = await startTestPortal();
  const added = await portal.cli('providers', 'add', '--name', 'Formats Ltd');
  apiKey = added.json.apiKey as string;
  staff = (await signedInStaff(portal, 'agent')).browser;
});
afterAll(async () => {
  await portal.close();
});

let refCounter = 0;
function upload(audio: Buffer) {
  return request(portal.app)
    .post('/api/v1/recordings')
    .set('Authorization', `Bearer ${apiKey}`)
    .field('assessmentRef', `PIP-FORMAT-${++refCounter}`)
    .field('nino', CLAIMANT.nino)
    .field('mobile', CLAIMANT.phone)
    .attach('audio', audio, { filename: 'assessment.bin', contentType: 'application/octet-stream' });
}

function bucketFiles(): string[] {
  const root = path.join(portal.dataDir, 's3', portal.config.s3.bucket);
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('._S3rver_object'));
}

/** A WAV whose header states `statedSeconds` of 8 kHz 16-bit mono audio, holding `heldSeconds` of it. */
function wav(statedSeconds: number, heldSeconds: number): Buffer {
  const header = wavHeader(statedSeconds * 8000, 8000);
  return Buffer.concat([header, Buffer.alloc(heldSeconds * 16_000)]);
}

describe('audio facts read at ingest', () => {
  test.each([
    ['wav', /^PCM$/, 8000, 1],
    ['mp3', /^MPEG 2 Layer 3$/, 22050, 1],
    // An M4A's container states 2 channels for any AAC: the count is not known rather than wrong.
    ['m4a', /AAC/, 22050, null],
    ['ogg', /^Vorbis/, 22050, 1],
    ['flac', /^FLAC$/, 8000, 1],
  ])('a %s file gets its true duration, codec, sample rate and channels, and the claimant and staff pages show its length', async (extension, codec, sampleRate, channels) => {
    const created = await upload(fixture(extension));
    expect(created.status).toBe(201);
    const row = (await portal.recordings.findRecording(created.body.id as string))!;
    // A lossy encoder adds its priming and padding, and ends on a whole frame (26 to 46 ms here).
    expect(Math.abs(row.duration_seconds! - 5)).toBeLessThan(['wav', 'flac'].includes(extension) ? 0.001 : 0.1);
    expect(row).toMatchObject({ codec: expect.stringMatching(codec), sample_rate: sampleRate, channels });

    const { path: linkPath } = await portal.sendLink(row.id);
    const claimant = new ClaimantBrowser(portal.app);
    expect((await claimant.enterNino(linkPath, CLAIMANT.nino)).status).toBe(303);
    const page = await claimant.get(linkPath);
    expect(page.text).toMatch(/Length\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*5 seconds\s*<\/dd>/);

    const staffPage = await staff.get(`/staff/recordings/${row.id}`);
    expect(staffPage.text).toMatch(/Length\s*<\/dt>\s*<dd class="govuk-summary-list__value">\s*5 seconds \(/);
  });

  test.each([
    ['an MP3 cut to half its length', 'mp3', () => fixture('mp3').subarray(0, 10_000), /^the MP3 file is truncated: its Info header states \d+ bytes of audio/],
    ['a WAV whose data chunk states 10 seconds but holds 5', 'wav', () => wav(10, 5), /^the WAV file is truncated: its data chunk states 160000 bytes of audio, so at least 160044 bytes in all, but the file holds 80044$/],
    ['an M4A cut short', 'm4a', () => fixture('m4a').subarray(0, 12_000), /^the M4A file could not be read to its end \(truncated or corrupt\): End-Of-Stream$/],
    ['a FLAC cut short', 'flac', () => fixture('flac').subarray(0, 10_000), /^the FLAC file is truncated: its STREAMINFO states 40000 samples/],
    ['an OGG cut mid-page', 'ogg', () => fixture('ogg').subarray(0, 3_000), /^the OGG file could not be read to its end \(truncated or corrupt\)/],
  ])('%s is refused with 422 naming the problem, and nothing is stored', async (_name, _extension, audio, detail) => {
    const before = bucketFiles().length;
    const refused = await upload(audio());
    expect(refused.status).toBe(422);
    expect(refused.body.type).toBe('https://assessment-recordings.service.gov.uk/problems/audio-unreadable');
    expect(refused.body.detail).toMatch(detail);
    expectMatchesOpenApi(refused, 'post', '/api/v1/recordings');
    expect(await portal.recordings.findRecordingByRef(`PIP-FORMAT-${refCounter}`)).toBeUndefined();
    expect(bucketFiles()).toHaveLength(before);
  });

  test('recordings add names a path it cannot read (missing, or a directory) and exits 1', async () => {
    for (const file of [path.join(portal.dataDir, 'missing.wav'), portal.dataDir]) {
      const added = await portal.cli('recordings', 'add', '--file', file, '--ref', 'PIP-NOFILE-1', '--nino', CLAIMANT.nino, '--phone', CLAIMANT.phone);
      expect(added).toEqual({ code: 1, json: { field: 'file', error: `cannot read ${file}` } });
    }
  });

  test('recordings add refuses a WAV whose header lies, exiting 1 with the reason', async () => {
    const file = path.join(portal.dataDir, 'lying.wav');
    writeFileSync(file, wav(10, 5));
    const added = await portal.cli('recordings', 'add', '--file', file, '--ref', 'PIP-LYING-1', '--nino', CLAIMANT.nino, '--phone', CLAIMANT.phone);
    expect(added.code).toBe(1);
    expect(added.json).toEqual({ field: 'file', error: expect.stringMatching(/^the WAV file is truncated: its data chunk states 160000 bytes of audio/) });
    expect(await portal.recordings.findRecordingByRef('PIP-LYING-1')).toBeUndefined();
  });
});
