import request from 'supertest';
import { problemTypeUri } from '../../server/api/problems';
import { nextLinkAllowedAt } from '../../server/policy/textingLimit';
import { expectMatchesOpenApi } from '../support/openApiCheck';
import { signedInStaff } from '../support/staffBrowser';
import { HOUR, MINUTE } from '../support/testClock';
import { providerRecording } from '../support/providerRecording';
import { startTestPortal, type TestPortal } from '../support/testPortal';

let portal: TestPortal;
beforeEach(async () => {
  portal = await startTestPortal();
});
afterEach(() => portal.close());


const linkCount = async (recordingId: string) => (await portal.db.selectFrom('links').select('id').where('recording_id', '=', recordingId).execute()).length;

describe('at most 3 links an hour per recording', () => {
  test('the policy: a link sent at T counts until exactly T + 1 hour', () => {
    const t0 = new Date('2026-12-01T10:00:00Z');
    const sent = [t0, new Date(t0.getTime() + MINUTE), new Date(t0.getTime() + 2 * MINUTE)];
    expect(nextLinkAllowedAt(sent.slice(0, 2), sent[2])).toBeUndefined();
    expect(nextLinkAllowedAt(sent, sent[2])).toEqual(new Date(t0.getTime() + HOUR));
    expect(nextLinkAllowedAt(sent, new Date(t0.getTime() + HOUR - 1))).toEqual(new Date(t0.getTime() + HOUR));
    expect(nextLinkAllowedAt(sent, new Date(t0.getTime() + HOUR))).toBeUndefined();
  });

  test('API: the 3rd is sent, the 4th is 429 with Retry-After until exactly an hour after the 1st, when the same request (and Idempotency-Key) goes through', async () => {
    const { apiKey, recordingId } = await providerRecording(portal, 'PIP-LIMIT-1');
    const t0 = portal.clock().getTime();
    const send = (key?: string) => {
      const call = request(portal.app).post(`/api/v1/recordings/${recordingId}/links`).set('Authorization', `Bearer ${apiKey}`);
      return key ? call.set('Idempotency-Key', key) : call;
    };
    expect((await send()).status).toBe(201);
    portal.clock.advance(MINUTE);
    expect((await send()).status).toBe(201);
    portal.clock.advance(MINUTE);
    expect((await send()).status).toBe(201);

    const fourth = await send('fourth');
    expect(fourth.status).toBe(429);
    expectMatchesOpenApi(fourth, 'post', `/api/v1/recordings/${recordingId}/links`);
    expect(fourth.headers['retry-after']).toBe(String(58 * 60));
    expect(fourth.body).toMatchObject({ type: problemTypeUri('texting-limit'), detail: expect.stringContaining(new Date(t0 + HOUR).toISOString()) });
    expect(await linkCount(recordingId)).toBe(3);

    portal.clock.set(new Date(t0 + HOUR - 1));
    const justBefore = await send('fourth');
    expect(justBefore.status).toBe(429);
    expect(justBefore.headers['retry-after']).toBe('1');
    portal.clock.set(new Date(t0 + HOUR));
    const onTheHour = await send('fourth');
    expect(onTheHour.status).toBe(201);
    expect(onTheHour.headers['idempotent-replayed']).toBeUndefined();
    expect(await linkCount(recordingId)).toBe(4);
    // The next counts from the second link.
    expect((await send()).status).toBe(429);
  });

  test('CLI exits 1 with the reason; the console says when staff can send again', async () => {
    const { recordingId } = await portal.recordingWithLink();
    const agent = await signedInStaff(portal, 'agent');
    for (let i = 0; i < 2; i++) expect((await portal.cli('links', 'send', '--recording', recordingId)).code).toBe(0);
    const texts = portal.outbox().length;

    const cli = await portal.cli('links', 'send', '--recording', recordingId);
    expect(cli.code).toBe(1);
    expect(cli.json).toEqual({ field: 'recording', error: expect.stringMatching(/^this recording has been sent 3 links in the last hour, the most it may have; the next can be sent from \d{4}-\d\d-\d\dT/) });

    await agent.browser.get(`/staff/recordings/${recordingId}`);
    const page = await agent.browser.post(`/staff/recordings/${recordingId}/links`, { reason: 'Claimant lost the text' });
    expect(page.status).toBe(400);
    expect(page.text).toMatch(/This recording has been sent 3 links in the last hour, the most it may have\. You can send the next one from \d+ \w+ \d{4}, \d\d:\d\d \(UK time\)/);

    // A corrected number is kept only with the link that goes to it.
    const phoneBefore = (await portal.recordings.findRecording(recordingId))!.phone_encrypted;
    const corrected = await agent.browser.post(`/staff/recordings/${recordingId}/links`, { reason: 'New phone', phone: '07700 900456', identityChecked: 'yes' });
    expect(corrected.status).toBe(400);
    expect((await portal.recordings.findRecording(recordingId))!.phone_encrypted).toBe(phoneBefore);

    await portal.settled();
    expect(portal.outbox()).toHaveLength(texts);
    expect(await linkCount(recordingId)).toBe(3);
  });
});
