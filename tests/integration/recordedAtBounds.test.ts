import { writeFileSync } from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import { demoAudio } from '../support/demoAudio';
import { MINUTE } from '../support/testClock';
import { CLAIMANT, startTestPortal, type TestPortal } from '../support/testPortal';

/**
 * "Recorded at" is bounded the same way whichever way a recording arrives (the provider API, the
 * operator CLI): not beyond five minutes ahead of the portal's clock, and not so old that its
 * retention period (RETENTION_MONTHS=24 here) is already over. Checked at the exact boundaries.
 */

const NOW = new Date('2026-11-23T10:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const BOUNDS = {
  latestTaken: iso(NOW.getTime() + 5 * MINUTE),
  firstFuture: iso(NOW.getTime() + 5 * MINUTE + 1),
  oldestTaken: '2024-11-23T10:00:00.001Z',
  firstTooOld: '2024-11-23T10:00:00.000Z',
};

let portal: TestPortal;
let apiKey: string;
beforeAll(async () => {
  portal = await startTestPortal({ RETENTION_MONTHS: '24' });
  portal.clock.set(NOW);
  apiKey = (await portal.cli('providers', 'add', '--name', 'Bounds provider')).json.apiKey as string;
});
afterAll(async () => {
  await portal.close();
});

let refCounter = 0;
const nextRef = () => `PIP-WHEN-${++refCounter}`;

function upload(assessmentRef: string, recordedAt: string) {
  return request(portal.app)
    .post('/api/v1/recordings')
    .set('Authorization', `Bearer ${apiKey}`)
    .field('assessmentRef', assessmentRef)
    .field('nino', CLAIMANT.nino)
    .field('mobile', CLAIMANT.phone)
    .field('recordedAt', recordedAt)
    .attach('audio', demoAudio(1), { filename: 'assessment.wav', contentType: 'application/octet-stream' });
}

function cliAdd(ref: string, recordedAt: string) {
  const file = path.join(portal.dataDir, `${ref}.wav`);
  writeFileSync(file, demoAudio(1));
  return portal.cli('recordings', 'add', '--file', file, '--ref', ref, '--nino', CLAIMANT.nino, '--phone', CLAIMANT.phone, '--recorded-at', recordedAt);
}

describe('the provider API', () => {
  test.each([BOUNDS.latestTaken, BOUNDS.oldestTaken])('takes a recording made at %s', async (recordedAt) => {
    const ref = nextRef();
    const answer = await upload(ref, recordedAt);
    expect(answer.status).toBe(201);
    expect((await portal.recordings.findRecordingByRef(ref))!.recorded_at).toBe(recordedAt);
  });

  test.each([
    [BOUNDS.firstFuture, /^must not be in the future/],
    ['2027-11-23T10:00:00Z', /^must not be in the future/],
    [BOUNDS.firstTooOld, /^is more than the retention period \(RETENTION_MONTHS=24\) ago/],
    ['1900-01-01T00:00:00Z', /^is more than the retention period/],
  ])('refuses a recording made at %s with 422 naming recordedAt, and registers nothing', async (recordedAt, detail) => {
    const ref = nextRef();
    const answer = await upload(ref, recordedAt);
    expect([answer.status, answer.body.field]).toEqual([422, 'recordedAt']);
    expect(answer.body.detail).toMatch(detail);
    expect(await portal.recordings.findRecordingByRef(ref)).toBeUndefined();
  });
});

describe('the operator CLI', () => {
  test.each([BOUNDS.latestTaken, BOUNDS.oldestTaken])('takes --recorded-at %s', async (recordedAt) => {
    const ref = nextRef();
    expect((await cliAdd(ref, recordedAt)).code).toBe(0);
    expect((await portal.recordings.findRecordingByRef(ref))!.recorded_at).toBe(recordedAt);
  });

  test.each([
    [BOUNDS.firstFuture, /^must not be in the future/],
    ['2027-11-23T10:00:00Z', /^must not be in the future/],
    [BOUNDS.firstTooOld, /^is more than the retention period \(RETENTION_MONTHS=24\) ago/],
    ['1900-01-01T00:00:00Z', /^is more than the retention period/],
  ])('refuses --recorded-at %s with exit 1 naming the option, and registers nothing', async (recordedAt, error) => {
    const ref = nextRef();
    const { code, json } = await cliAdd(ref, recordedAt);
    expect([code, json.field]).toEqual([1, 'recorded-at']);
    expect(json.error).toMatch(error);
    expect(await portal.recordings.findRecordingByRef(ref)).toBeUndefined();
  });
});
