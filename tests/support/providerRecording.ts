import request from 'supertest';
import { demoAudio } from './demoAudio';
import { CLAIMANT, type TestPortal } from './testPortal';

/** A provider account made by the operator CLI. */
export const providerKey = async (portal: TestPortal) => ((await portal.cli('providers', 'add', '--name', 'Assessments Ltd')).json as { apiKey: string }).apiKey;

/** A short recording registered through the API, by the provider whose key is given or a new one. */
export async function providerRecording(portal: TestPortal, assessmentRef: string, options: { seconds?: number; apiKey?: string } = {}) {
  const apiKey = options.apiKey ?? (await providerKey(portal));
  const created = await request(portal.app)
    .post('/api/v1/recordings')
    .set('Authorization', `Bearer ${apiKey}`)
    .field('assessmentRef', assessmentRef)
    .field('nino', CLAIMANT.nino)
    .field('mobile', CLAIMANT.phone)
    .attach('audio', demoAudio(options.seconds ?? 1), { filename: 'a.wav', contentType: 'application/octet-stream' });
  expect(created.status).toBe(201);
  return { apiKey, recordingId: created.body.id as string };
}
