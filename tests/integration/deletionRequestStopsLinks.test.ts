import request from 'supertest';
import { problemTypeUri } from '../../server/api/problems';
import { ClaimantBrowser } from '../support/claimantBrowser';
import { expectMatchesOpenApi } from '../support/openApiCheck';
import { signedInStaff } from '../support/staffBrowser';
import { providerRecording } from '../support/providerRecording';
import { startTestPortal, type TestPortal } from '../support/testPortal';

let portal: TestPortal;
beforeEach(async () => {
  portal = await startTestPortal();
});
afterEach(() => portal.close());

/** A recording a provider registered and texted through the API, so every route can reach it. */
async function providerTextedRecording() {
  const { apiKey, recordingId } = await providerRecording(portal, 'PIP-DEL-1', { seconds: 2 });
  const first = await request(portal.app).post(`/api/v1/recordings/${recordingId}/links`).set('Authorization', `Bearer ${apiKey}`);
  expect(first.status).toBe(201);
  return { apiKey, recordingId, firstLinkId: first.body.id as string };
}

describe('after a supervisor requests deletion, no route texts the recording', () => {
  test('CLI exits 1 with the reason, the API answers 409, the console shows the message; nothing is sent or revoked', async () => {
    const { apiKey, recordingId, firstLinkId } = await providerTextedRecording();
    const supervisor = await signedInStaff(portal, 'supervisor');
    await supervisor.browser.get(`/staff/recordings/${recordingId}`);
    expect((await supervisor.browser.post(`/staff/recordings/${recordingId}/deletion-request`, { reason: 'Claimant asked for erasure' })).status).toBe(200);
    // The first link's text has gone out: what is counted from here on was sent after the request.
    await portal.settled();
    const textsBefore = portal.outbox().length;

    const cli = await portal.cli('links', 'send', '--recording', recordingId);
    expect(cli.code).toBe(1);
    expect(cli.json).toEqual({ error: 'deletion of this recording has been requested, so it can no longer be sent', field: 'recording' });

    const api = await request(portal.app).post(`/api/v1/recordings/${recordingId}/links`).set('Authorization', `Bearer ${apiKey}`).set('Idempotency-Key', 'after-deletion');
    expect(api.status).toBe(409);
    expectMatchesOpenApi(api, 'post', `/api/v1/recordings/${recordingId}/links`);
    expect(api.body).toMatchObject({ type: problemTypeUri('recording-unavailable'), detail: 'deletion of this recording has been requested, so it can no longer be sent' });

    // The button is hidden; the route itself refuses too.
    const agent = await signedInStaff(portal, 'agent');
    const page = await agent.browser.get(`/staff/recordings/${recordingId}`);
    expect(page.text).not.toContain('data-qa="reissue"');
    const consolePost = await agent.browser.post(`/staff/recordings/${recordingId}/links`, { reason: 'Claimant lost the text' });
    expect(consolePost.status).toBe(400);
    expect(consolePost.text).toContain('deletion of this recording has been requested, so it can no longer be sent');

    const status = await request(portal.app).get(`/api/v1/recordings/${recordingId}`).set('Authorization', `Bearer ${apiKey}`);
    expectMatchesOpenApi(status, 'get', `/api/v1/recordings/${recordingId}`);
    expect(status.body).toMatchObject({ status: 'unavailable', latestLink: { id: firstLinkId, state: 'unavailable' } });

    await portal.settled();
    expect(portal.outbox()).toHaveLength(textsBefore);
    const links = await portal.db.selectFrom('links').selectAll().where('recording_id', '=', recordingId).execute();
    expect(links.map((link) => [link.id, link.revoked_at])).toEqual([[firstLinkId, null]]);
    expect((await portal.audit.auditTrail({ recordingId })).filter((e) => e.type === 'link.issued')).toHaveLength(1);
  });

  test('a text still waiting when deletion is requested is not sent', async () => {
    const { recordingId, linkId } = await portal.recordingWithLink();
    // A second link whose message the dispatcher has not taken yet (sent by another instance, say).
    const message = await portal.db.selectFrom('sms_messages').select('id').where('link_id', '=', linkId).executeTakeFirstOrThrow();
    await portal.db.updateTable('sms_messages').set({ status: 'pending', payload_encrypted: 'v1.x' }).where('id', '=', message.id).execute();
    expect(await portal.retention.requestDeletion(recordingId, 'Claimant asked for erasure', portal.clock(), 'staff')).toBe(true);
    const row = await portal.db.selectFrom('sms_messages').select(['status', 'payload_encrypted']).where('id', '=', message.id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'superseded', payload_encrypted: null });
  });

  test('the claimant\'s link opens on "no longer available"', async () => {
    const { recordingId, path } = await portal.recordingWithLink();
    await portal.retention.requestDeletion(recordingId, 'Claimant asked for erasure', portal.clock(), 'staff');
    const page = await new ClaimantBrowser(portal.app).get(path);
    expect(page.status).toBe(410);
  });
});
