import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import request from 'supertest';
import { demoAudio } from '../support/demoAudio';
import { PART_BYTES } from '../../server/objects/s3Objects';
import { startEmbeddedS3, type EmbeddedS3 } from '../../server/objects/embeddedS3';
import { ClaimantBrowser } from '../support/claimantBrowser';
import { grantOf } from '../support/grants';
import { signedInStaff } from '../support/staffBrowser';
import { startS3Interceptor } from '../support/s3Interceptor';
import { CLAIMANT, sha256, startTestPortal, type TestPortal } from '../support/testPortal';
import { stateSnapshot } from '../support/loopback';

/**
 * Dependencies failing in the middle of a claimant's journey. The one-request versions (an S3
 * endpoint that was never there, PostgreSQL and Redis cut under /readyz, an SMS provider down) are
 * in tests/integration; here the real servers stop and come back, and the database is held locked.
 */

const WRONG_NINO = 'AB 65 43 21 D';
const expectUnavailablePage = (answer: { status: number; text: string }) => {
  expect(answer.status).toBe(503);
  expect(answer.text).toContain('Sorry, the service is unavailable');
  expect(answer.text).not.toMatch(/\bat .*:\d+:\d+|node_modules\//);
};

describe('the S3 server stops mid-journey and comes back', () => {
  let s3Dir: string;
  let s3: EmbeddedS3;
  let portal: TestPortal;
  const BUCKET = 'assessment-recordings';

  beforeAll(async () => {
    // The portal's object store is a separate S3-compatible server, as in production, so the test can stop it.
    s3Dir = mkdtempSync(path.join(tmpdir(), 'faults-s3-'));
    s3 = await startEmbeddedS3(s3Dir, BUCKET, 0);
    portal = await startTestPortal({ S3_ENDPOINT: s3.endpoint, S3_BUCKET: BUCKET, S3_ACCESS_KEY_ID: s3.credentials.accessKeyId, S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey });
  });
  afterAll(async () => {
    await portal.close();
    await s3.close().catch(() => {});
    rmSync(s3Dir, { recursive: true, force: true });
  });

  test('"temporarily unavailable" while it is down, the first download not recorded, and the same grant works once it returns', async () => {
    const { path: linkPath, linkId, audio } = await portal.recordingWithLink();
    const browser = new ClaimantBrowser(portal.app);
    expect((await browser.enterNino(linkPath, CLAIMANT.nino)).status).toBe(303);
    const page = await browser.get(linkPath);
    expect(page.status).toBe(200);
    const grant = grantOf(page);
    const before = await stateSnapshot(portal);

    await s3.close(); // the process serving the bucket stops
    const down = await browser.post(`${linkPath}/download`, { grant });
    expectUnavailablePage(down);
    expect(down.headers.location).toBeUndefined();
    expect(await stateSnapshot(portal)).toEqual(before); // no first download, no spent grant, no audit event
    expect((await portal.links.findLink(linkId))!.first_download_at).toBeNull();
    const ready = await browser.get('/readyz');
    expect(ready.status).toBe(200); // still ready: every instance shares the store
    expect(ready.body.checks.objectStorage).toBe('unavailable');

    s3 = await startEmbeddedS3(s3Dir, BUCKET, Number(new URL(s3.endpoint).port), s3.credentials); // back on the same address, same data
    const back = await browser.post(`${linkPath}/download`, { grant });
    expect(back.status).toBe(303);
    const file = await browser.getBytes(back.headers.location);
    expect(file.status).toBe(200);
    expect(sha256(file.bytes)).toBe(sha256(audio));
    const link = (await portal.links.findLink(linkId))!;
    expect(link.first_download_at).not.toBeNull();
    expect(link.download_count).toBe(1);
    expect((await browser.get('/readyz')).body.checks.objectStorage).toBe('ok');
  });

  test("a provider's upload while it is down gets a 503 problem and registers nothing; the same upload succeeds once it returns", async () => {
    const provider = (await portal.cli('providers', 'add', '--name', 'Faults Assessments Ltd')).json as { apiKey: string };
    const audio = demoAudio(2);
    const upload = () =>
      request(portal.app)
        .post('/api/v1/recordings')
        .set('Authorization', `Bearer ${provider.apiKey}`)
        .field({ assessmentRef: 'PIP-FAULTS-1', nino: CLAIMANT.nino, mobile: CLAIMANT.phone, sha256: sha256(audio) })
        .attach('audio', audio, { filename: 'assessment.wav', contentType: 'audio/wav' });
    const before = await stateSnapshot(portal);

    await s3.close();
    const down = await upload();
    expect(down.status).toBe(503);
    expect(down.type).toBe('application/problem+json');
    expect(down.body.type).toMatch(/\/problems\/object-store-unavailable$/);
    expect(down.headers['retry-after']).toBe('30');
    expect(await stateSnapshot(portal)).toEqual(before);
    expect(await portal.recordings.findRecordingByRef('PIP-FAULTS-1')).toBeUndefined();
    // Staff adding a recording from the command line are told why, rather than shown a stack trace.
    const file = path.join(tmpdir(), `faults-${process.pid}.wav`);
    writeFileSync(file, audio);
    const added = await portal.cli('recordings', 'add', '--file', file, '--ref', 'PIP-FAULTS-2', '--nino', CLAIMANT.nino, '--phone', CLAIMANT.phone);
    rmSync(file);
    expect(added).toEqual({ code: 1, json: { error: 'object storage is unavailable: run the command again when it is back', reason: expect.stringContaining('ECONNREFUSED') } });
    expect(await stateSnapshot(portal)).toEqual(before);

    s3 = await startEmbeddedS3(s3Dir, BUCKET, Number(new URL(s3.endpoint).port), s3.credentials);
    const back = await upload();
    expect(back.status).toBe(201);
    expect(back.body.sha256).toBe(sha256(audio));
  });
});

describe("S3 stores an upload but its answer never comes back", () => {
  test('the upload times out after S3_TIMEOUT, nothing is registered, and the stored audio is removed again', async () => {
    const s3Dir = mkdtempSync(path.join(tmpdir(), 'faults-lost-answer-'));
    const s3 = await startEmbeddedS3(s3Dir, 'assessment-recordings', 0);
    const lossy = await startS3Interceptor(s3.endpoint, (method) => (method === 'PUT' ? 'store-but-never-answer' : 'pass'));
    const portal = await startTestPortal({ S3_ENDPOINT: lossy.endpoint, S3_ACCESS_KEY_ID: s3.credentials.accessKeyId, S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey, S3_TIMEOUT: '1s' });
    try {
      const provider = (await portal.cli('providers', 'add', '--name', 'Lost Answers Ltd')).json as { apiKey: string };
      const before = await stateSnapshot(portal);
      const started = Date.now();
      const upload = await request(portal.app)
        .post('/api/v1/recordings')
        .set('Authorization', `Bearer ${provider.apiKey}`)
        .field({ assessmentRef: 'PIP-LOST-1', nino: CLAIMANT.nino, mobile: CLAIMANT.phone })
        .attach('audio', demoAudio(2), { filename: 'assessment.wav', contentType: 'audio/wav' });
      expect(upload.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(await stateSnapshot(portal)).toEqual(before);
      // The server did store it (twice: the SDK tries again), and the portal took it away again.
      const stored = readdirSync(path.join(s3Dir, 's3', 'assessment-recordings'), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('._S3rver_object'));
      expect(stored).toEqual([]);
    } finally {
      await portal.close();
      await lossy.close();
      await s3.close();
      rmSync(s3Dir, { recursive: true, force: true });
    }
  }, 20_000);
});

describe('S3 says nothing while it joins the parts of a streamed upload', () => {
  const BUCKET = 'assessment-recordings';
  // More than one part, so the upload is completed rather than PUT: 12.8 MB, three parts.
  const threeParts = demoAudio(400);
  const isCompletion = (method: string, requestPath: string) => method === 'POST' && /[?&]uploadId=/.test(requestPath);

  async function portalBehind(treatCompletion: 'store-but-never-answer' | { answerAfterMs: number }, audio: Buffer) {
    const s3Dir = mkdtempSync(path.join(tmpdir(), 'faults-joining-'));
    const s3 = await startEmbeddedS3(s3Dir, BUCKET, 0);
    const completions: number[] = [];
    const slow = await startS3Interceptor(s3.endpoint, (method, requestPath) => {
      if (!isCompletion(method, requestPath)) return 'pass';
      completions.push(Date.now());
      return treatCompletion;
    });
    const portal = await startTestPortal({ S3_ENDPOINT: slow.endpoint, S3_BUCKET: BUCKET, S3_ACCESS_KEY_ID: s3.credentials.accessKeyId, S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey, S3_TIMEOUT: '1s' });
    const provider = (await portal.cli('providers', 'add', '--name', 'Joining Parts Ltd')).json as { apiKey: string };
    const objects = () => readdirSync(path.join(s3Dir, 's3', BUCKET), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('._S3rver_object'));
    return {
      portal,
      completions,
      objects,
      upload: (assessmentRef: string) =>
        request(portal.app)
          .post('/api/v1/recordings')
          .set('Authorization', `Bearer ${provider.apiKey}`)
          .field({ assessmentRef, nino: CLAIMANT.nino, mobile: CLAIMANT.phone })
          .attach('audio', audio, { filename: 'assessment.wav', contentType: 'audio/wav' }),
      async close() {
        await portal.close();
        await slow.close();
        await s3.close();
        rmSync(s3Dir, { recursive: true, force: true });
      },
    };
  }

  test('an answer that comes after S3_TIMEOUT, within the time joining that many bytes may take, stores the recording', async () => {
    // 40 MB: S3_TIMEOUT (1 s) plus 40 MB at the slowest joining rate expected (10 MiB/s) is 4.8 s, so an
    // answer held 2 s, twice S3_TIMEOUT, still leaves a busy machine seconds to spare.
    const longer = demoAudio(1_250);
    const bucket = await portalBehind({ answerAfterMs: 2_000 }, longer);
    try {
      const created = await bucket.upload('PIP-JOINING-1');
      expect(created.status).toBe(201);
      expect(created.body.sha256).toBe(sha256(longer));
      expect(bucket.completions).toHaveLength(1);
      expect(bucket.objects()).toHaveLength(1);
      expect(await bucket.portal.recordings.findRecordingByRef('PIP-JOINING-1')).toBeDefined();
    } finally {
      await bucket.close();
    }
  }, 30_000);

  test('a completion never answered is given up after that time: 503, nothing registered, and the audio the store joined is removed', async () => {
    expect(threeParts.length).toBeGreaterThan(2 * PART_BYTES);
    const bucket = await portalBehind('store-but-never-answer', threeParts);
    try {
      const before = await stateSnapshot(bucket.portal);
      const refused = await bucket.upload('PIP-JOINING-2');
      expect(refused.status).toBe(503);
      expect(refused.body.type).toContain('object-store-unavailable');
      // The first completion was waited on until its deadline (2.2 s) before anything else was sent: after
      // S3_TIMEOUT alone (1 s) the SDK would have sent it again.
      expect(bucket.completions.length).toBeGreaterThanOrEqual(2);
      expect(bucket.completions[1] - bucket.completions[0]).toBeGreaterThanOrEqual(2_000);
      expect(await stateSnapshot(bucket.portal)).toEqual(before);
      expect(bucket.objects()).toEqual([]);
    } finally {
      await bucket.close();
    }
  }, 30_000);
});

describe('the database is held locked by another process', () => {
  let portal: TestPortal;
  beforeAll(async () => {
    portal = await startTestPortal();
  });
  afterAll(async () => {
    await portal.close();
  });

  /** Another connection to the same SQLite file holds the write lock (as a stuck migration or backup would). */
  function holdWriteLock() {
    const other = new Database(portal.config.database.sqliteFile);
    other.exec('BEGIN EXCLUSIVE');
    return () => {
      other.exec('ROLLBACK');
      other.close();
    };
  }

  test('a wrong NINO and a download each get 503 after the busy timeout; nothing is half-written; both work once the lock is released', async () => {
    const { path: linkPath, linkId } = await portal.recordingWithLink();
    const browser = new ClaimantBrowser(portal.app);
    expect((await browser.enterNino(linkPath, CLAIMANT.nino)).status).toBe(303);
    const grant = grantOf(await browser.get(linkPath));
    const guesser = new ClaimantBrowser(portal.app);
    const before = await stateSnapshot(portal);
    const auditBefore = await portal.cli('audit', 'verify');

    const release = holdWriteLock();
    try {
      expectUnavailablePage(await guesser.enterNino(linkPath, WRONG_NINO));
      expectUnavailablePage(await browser.post(`${linkPath}/download`, { grant }));
    } finally {
      release();
    }

    // Neither the attempt counter, nor the grant, nor the download, nor an audit event was written in part.
    expect(await stateSnapshot(portal)).toEqual(before);
    const auditAfter = await portal.cli('audit', 'verify');
    expect(auditAfter).toEqual(auditBefore);
    expect(auditAfter.json.intact).toBe(true);

    expect((await guesser.enterNino(linkPath, WRONG_NINO)).status).toBe(400);
    expect((await portal.links.findLink(linkId))!.failed_attempts).toBe(1);
    expect((await browser.post(`${linkPath}/download`, { grant })).status).toBe(303);
    expect((await portal.links.findLink(linkId))!.download_count).toBe(1);
  }, 40_000);

  test("a staff page during the outage is the console's own 503, in staff words, not the claimant's", async () => {
    const { browser } = await signedInStaff(portal, 'agent');
    const release = holdWriteLock();
    let down: Awaited<ReturnType<typeof browser.get>>;
    try {
      down = await browser.get('/staff/find'); // reading the session renews it: a write the lock holds up
    } finally {
      release();
    }
    expect(down.status).toBe(503);
    expect(down.text).toContain('The staff console is unavailable');
    expect(down.text).toContain('Assessment recordings staff console');
    expect(down.text).not.toContain('Your link will still work');
    expect(down.text).not.toMatch(/\bat .*:\d+:\d+|node_modules\//);
    expect((await browser.get('/staff/find')).status).toBe(200);
  }, 20_000);
});
