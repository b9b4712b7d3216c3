import { generateKeyPairSync } from 'node:crypto';
import { compactVerify, createLocalJWKSet, type JSONWebKeySet } from 'jose';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../server/app';
import { loadConfig } from '../../server/config';
import { demoAudio } from '../support/demoAudio';
import { openPortal } from '../../server/portal';
import { ClaimantBrowser } from '../support/claimantBrowser';
import { CLAIMANT, sha256, startTestPortal, type TestPortal } from '../support/testPortal';

const ed25519 = (kid: string) => ({ ...generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }), kid });
const FIRST = ed25519('m1');
const SECOND = ed25519('m2');

let portal: TestPortal;
beforeEach(async () => {
  portal = await startTestPortal({ MANIFEST_SIGNING_KEYS: JSON.stringify([FIRST]) });
});
afterEach(async () => {
  await portal.close();
});

async function manifestOf(linkPath: string): Promise<string> {
  const browser = new ClaimantBrowser(portal.app);
  await browser.enterNino(linkPath, CLAIMANT.nino);
  const page = await browser.get(linkPath);
  expect(page.text).toContain(`href="${linkPath}/manifest"`);
  const download = await browser.get(`${linkPath}/manifest`);
  expect(download.status).toBe(200);
  expect(download.headers['content-type']).toMatch(/^application\/jose/);
  expect(download.headers['content-disposition']).toMatch(/^attachment; filename="?assessment-recording-\d{4}-\d{2}-\d{2}\.manifest\.jws"?$/);
  return download.text;
}

test('the manifest the claimant downloads verifies with the published key set and describes the audio', async () => {
  const { path, audio } = await portal.recordingWithLink();
  const jws = await manifestOf(path);
  const jwks = (await request(portal.app).get('/.well-known/jwks.json')).body as JSONWebKeySet;
  expect(jwks.keys).toEqual([{ kty: 'OKP', crv: 'Ed25519', x: FIRST.x, kid: 'm1', alg: 'EdDSA', use: 'sig' }]);
  const { payload, protectedHeader } = await compactVerify(jws, createLocalJWKSet(jwks));
  expect(protectedHeader).toMatchObject({ alg: 'EdDSA', kid: 'm1' });
  expect(JSON.parse(new TextDecoder().decode(payload))).toMatchObject({ sha256: sha256(audio), sizeBytes: audio.length });
});

test('the manifest needs the NINO first', async () => {
  const { path } = await portal.recordingWithLink();
  const stranger = await new ClaimantBrowser(portal.app).get(`${path}/manifest`);
  expect(stranger.status).toBe(303);
});

test('a recording registered before manifests were signed offers none, and asking for it anyway is answered with 404', async () => {
  const { path, recordingId } = await portal.recordingWithLink();
  await portal.db.updateTable('recordings').set({ manifest: null }).where('id', '=', recordingId).execute();
  const browser = new ClaimantBrowser(portal.app);
  await browser.enterNino(path, CLAIMANT.nino);
  expect((await browser.get(path)).text).not.toContain(`${path}/manifest`);
  const asked = await request(portal.app).get(`${path}/manifest`).set('Cookie', browser.cookieHeader(path)).timeout(5_000);
  expect(asked.status).toBe(404);
});

test('/verify says a file is genuine, and that a file one byte different is not', async () => {
  const { audio } = await portal.recordingWithLink();
  const genuine = await request(portal.app).get('/verify').query({ sha256: sha256(audio) });
  expect(genuine.status).toBe(200);
  expect(genuine.text).toContain('This is a genuine recording');
  expect(genuine.text).toContain('signed with key m1');

  const altered = Buffer.from(audio);
  altered[altered.length - 1] ^= 1;
  const changed = await request(portal.app).get('/verify').query({ sha256: sha256(altered) });
  expect(changed.status).toBe(200);
  expect(changed.text).toContain('No genuine recording matches this file');
  expect(changed.text).not.toContain('This is a genuine recording');
});

test.each([['not hex', 'z'.repeat(64)], ['too short', 'ab'], ['huge', 'a'.repeat(10_000)], ['an array', ['a', 'b']]])(
  '/verify refuses a fingerprint that is %s with a 400 and an error message',
  async (_name, value) => {
    const answer = await request(portal.app).get('/verify').query({ sha256: value });
    expect(answer.status).toBe(400);
    expect(answer.text).toContain('Enter a SHA-256 fingerprint of 64 characters');
    expect(answer.text).toContain('<title>Error:');
  },
);

test('/verify answers in Welsh too', async () => {
  const answer = await request(portal.app).get('/verify').query({ lang: 'cy' });
  expect(answer.text).toContain('Gwirio copi o recordiad asesiad');
});

test('after a key rotation old manifests still verify, new ones use the new key, and no private key is published', async () => {
  const { audio: before } = await portal.recordingWithLink();
  const rotated = loadConfig({ ...portal.env, MANIFEST_SIGNING_KEYS: JSON.stringify([SECOND, FIRST]) });
  const rotatedPortal = await openPortal(rotated, { clock: portal.clock, logger: pino({ level: 'silent' }) });
  try {
    const app = createApp(rotatedPortal);
    const jwks = (await request(app).get('/.well-known/jwks.json')).body as JSONWebKeySet;
    expect(jwks.keys.map((key) => key.kid)).toEqual(['m2', 'm1']);
    expect(JSON.stringify(jwks)).not.toContain('"d"');
    expect((await request(app).get('/verify').query({ sha256: sha256(before) })).text).toContain('signed with key m1');

    const fresh = demoAudio(2);
    await rotatedPortal.services.registerRecording({ audio: fresh, assessmentRef: 'ROTATED-1', nino: CLAIMANT.nino, phone: CLAIMANT.phone, actor: 'test' });
    expect((await request(app).get('/verify').query({ sha256: sha256(fresh) })).text).toContain('signed with key m2');
  } finally {
    await rotatedPortal.close();
  }
});
