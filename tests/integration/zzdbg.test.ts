import request from 'supertest';
import { providerRecording } from '../../tests/support/providerRecording';
import { startTestPortal } from '../../scripts/support/testPortal';
test('x', async () => {
  const portal = await startTestPortal();
  const a = await providerRecording(portal, 'TRN-A', { seconds: 60 });
  const put = (k: string, id: string) => request(portal.app).put(`/api/v1/recordings/${id}/transcript`).set('Authorization', `Bearer ${k}`).set('Content-Type', 'text/vtt').send('WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nhi');
  console.log((await put(a.apiKey, a.recordingId)).status);
  const b = await providerRecording(portal, 'TRN-B', { seconds: 60 });
  console.log((await put(b.apiKey, b.recordingId)).status, (await put(b.apiKey, b.recordingId)).body);
  await portal.close();
}, 60000);
