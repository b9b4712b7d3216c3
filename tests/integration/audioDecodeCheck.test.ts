import { execFileSync } from 'node:child_process';
import { createCipheriv } from 'node:crypto';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { wavHeader } from '../../server/demoAudio';
import { CLAIMANT, startTestPortal, type TestPortal } from '../support/testPortal';

/** Five seconds of a tone in each format (tests/fixtures/audio/README.md). */
const fixture = (extension: string) => readFileSync(path.join(__dirname, '..', 'fixtures', 'audio', `five-seconds.${extension}`));

/**
 * Noise that is the same in every run (AES-CTR of zeros under a fixed key): with fresh random bytes the
 * metadata parser now and then found no duration before the frame walk was reached, so the refusal's
 * wording changed from run to run.
 */
const noise = (bytes: number) => createCipheriv('aes-128-ctr', Buffer.alloc(16, 7), Buffer.alloc(16)).update(Buffer.alloc(bytes));

/** One MPEG frame header with its frame, then 500 KB of noise: what a corrupt MP3 looks like. */
function oneFrameThenNoise(): Buffer {
  const mp3 = fixture('mp3');
  const tag = 10 + ((mp3[6] << 21) | (mp3[7] << 14) | (mp3[8] << 7) | mp3[9]);
  return Buffer.concat([mp3.subarray(tag, tag + 104), noise(500 * 1024)]);
}

/** What the frame walk says of them (a lone frame chains to nothing, so it may not count as one). */
const MP3_CORRUPT = /MP3 file (is corrupt: only \d+ of its \d+ bytes of audio are MPEG frames|holds no MPEG audio frames that follow one another)/;

/** An MPEG 2.5 Layer III frame header (8 kbit/s, 8 kHz) straight before the noise (the finding's own file). */
const headerThenNoise = () => Buffer.concat([Buffer.from([0xff, 0xe3, 0x18, 0x00]), noise(500 * 1024)]);

/** A file whose middle half is overwritten with noise, its container intact. */
function noiseInTheMiddle(extension: string): Buffer {
  const audio = Buffer.from(fixture(extension));
  noise(Math.floor(audio.length / 2)).copy(audio, Math.floor(audio.length * 0.3));
  return audio;
}

const scratch = mkdtempSync(path.join(tmpdir(), 'decode-check-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function portalSuite(name: string, env: () => Record<string, string>) {
  let portal: TestPortal;
  let apiKey: string;
  let ref = 0;
  beforeAll(async () => {
    portal = await startTestPortal(env());
    apiKey = (await portal.cli('providers', 'add', '--name', `Decode ${name}`)).json.apiKey as string;
  });
  afterAll(() => portal.close());
  const upload = (audio: Buffer) =>
    request(portal.app)
      .post('/api/v1/recordings')
      .set('Authorization', `Bearer ${apiKey}`)
      .field('assessmentRef', `PIP-DECODE-${++ref}`)
      .field('nino', CLAIMANT.nino)
      .field('mobile', CLAIMANT.phone)
      .attach('audio', audio, { filename: 'assessment.bin', contentType: 'application/octet-stream' });
  const bucketObjects = () =>
    readdirSync(path.join(portal.dataDir, 's3', portal.config.s3.bucket), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('._S3rver_object')).length;
  const cliAdd = async (audio: Buffer) => {
    const file = path.join(scratch, `cli-${name}-${++ref}.bin`);
    writeFileSync(file, audio);
    return portal.cli('recordings', 'add', '--file', file, '--ref', `PIP-CLI-${ref}`, '--nino', CLAIMANT.nino, '--phone', CLAIMANT.phone);
  };
  /** Refused through the API (422 audio-unreadable, the problem named) and the CLI (exit 1), nothing stored. */
  async function expectRefused(audio: Buffer, detail: RegExp) {
    const before = bucketObjects();
    const answer = await upload(audio);
    expect(answer.status).toBe(422);
    expect(answer.body.type).toMatch(/\/problems\/audio-unreadable$/);
    expect(answer.body.detail).toMatch(detail);
    const added = await cliAdd(audio);
    expect(added.code).toBe(1);
    expect(JSON.stringify(added.json)).toMatch(detail);
    expect(bucketObjects()).toBe(before);
  }
  return { upload, expectRefused, cliAdd, bucketObjects, portal: () => portal };
}

describe('with ffmpeg: every upload is decoded through as it streams', () => {
  const suite = portalSuite('ffmpeg', () => ({}));

  test.each(['wav', 'mp3', 'flac', 'ogg', 'm4a'])('a valid %s is accepted', async (extension) => {
    expect((await suite.upload(fixture(extension))).status).toBe(201);
  });

  test('an M4A whose index follows its audio (not decodable from a stream) is accepted on its container checks', async () => {
    const file = path.join(scratch, 'index-last.m4a');
    execFileSync('ffmpeg', ['-v', 'error', '-y', '-f', 'lavfi', '-i', 'sine=f=300:d=40', '-c:a', 'aac', '-b:a', '24k', '-movflags', '0', file]);
    expect((await suite.upload(readFileSync(file))).status).toBe(201);
  });

  test('one MPEG frame and then 500 KB of noise is refused through the API and the CLI, leaving nothing in the bucket', async () => {
    await suite.expectRefused(oneFrameThenNoise(), MP3_CORRUPT);
    await suite.expectRefused(headerThenNoise(), /MP3 file holds no MPEG audio frames/);
  });

  test.each([
    ['flac', /FLAC file is corrupt: it states 5\.00 s of audio but [\d.]+ s of it decodes/],
    ['m4a', /M4A file is corrupt: decoding its [\d.]+ s of audio reported \d+ errors/],
  ])('a %s whose middle is noise in an intact container is refused, naming what ffmpeg found', async (extension, detail) => {
    await suite.expectRefused(noiseInTheMiddle(extension), detail);
  });

  test('a WAV whose data chunk is noise is valid PCM and accepted; one cut short, or with 500 KB after its audio, is refused', async () => {
    expect((await suite.upload(Buffer.concat([wavHeader(40_000, 8000), noise(80_000)]))).status).toBe(201);
    await suite.expectRefused(Buffer.concat([wavHeader(40_000, 8000), noise(40_000)]), /WAV file is truncated/);
    await suite.expectRefused(Buffer.concat([wavHeader(40_000, 8000), noise(80_000 + 500 * 1024)]), /WAV file does not hold what its header states: .* 512000 more bytes/);
  });
});

describe('without ffmpeg: the MP3 frame walk still refuses the corrupt file', () => {
  const suite = portalSuite('none', () => ({ FFMPEG_PATH: path.join(scratch, 'no-such-ffmpeg') }));

  test.each(['wav', 'mp3', 'flac', 'ogg', 'm4a'])('a valid %s is accepted', async (extension) => {
    expect((await suite.upload(fixture(extension))).status).toBe(201);
  });

  test('one MPEG frame and then 500 KB of noise is refused through the API and the CLI', async () => {
    await suite.expectRefused(oneFrameThenNoise(), MP3_CORRUPT);
  });
});

describe('an ffmpeg that is killed while it decodes', () => {
  // Reads a little of the upload, then is killed: its pipe breaks under the portal's feet.
  const suite = portalSuite('killed', () => {
    const fake = path.join(scratch, 'killed-ffmpeg');
    writeFileSync(fake, '#!/bin/sh\nhead -c 1000 > /dev/null\nkill -9 $$\n');
    chmodSync(fake, 0o755);
    return { FFMPEG_PATH: fake };
  });

  test('does not take the portal down: the upload is judged by the checks that need no decoder', async () => {
    const long = Buffer.concat([wavHeader(8000 * 60, 8000), noise(16_000 * 60)]);
    expect((await suite.upload(long)).status).toBe(201);
    await suite.expectRefused(oneFrameThenNoise(), MP3_CORRUPT);
    expect((await suite.upload(fixture('ogg'))).status).toBe(201);
  });
});
