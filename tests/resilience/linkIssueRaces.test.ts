import request from 'supertest';
import { providerKey, providerRecording } from '../support/providerRecording';
import { signedInStaff } from '../support/staffBrowser';
import { startTestPortal, type TestPortal } from '../support/testPortal';
import { DATABASE_KINDS, freshPostgresSchema, POSTGRES_URL } from '../support/testServices';

/**
 * New links asked for through the API, the console and the operator CLI (its own connection to the
 * database, as an operator's shell would be) all at once: racing a supervisor's deletion request, no
 * link may be issued after it and no text may be left waiting; racing each other, no more than the
 * texting limit may be issued.
 */
describe.each(DATABASE_KINDS)('links asked for at once on %s', (kind) => {
  let portal: TestPortal;
  let dropSchema: (() => Promise<void>) | undefined;
  beforeEach(async () => {
    const schema = kind === 'postgres' ? await freshPostgresSchema(POSTGRES_URL!) : undefined;
    dropSchema = schema?.drop;
    portal = await startTestPortal(schema ? { DATABASE_URL: schema.url } : {});
  });
  afterEach(async () => {
    await portal.close();
    await dropSchema?.();
  });

  const recordingOf = async (apiKey: string, assessmentRef: string) => (await providerRecording(portal, assessmentRef, { apiKey })).recordingId;

  test('racing a deletion request: every link issued comes before it in the audit chain, and nothing is left to send', async () => {
    const apiKey = await providerKey(portal);
    const agent = await signedInStaff(portal, 'agent');
    const supervisor = await signedInStaff(portal, 'supervisor');
    const ROUNDS = 4;
    for (let round = 0; round < ROUNDS; round++) {
      const recordingId = await recordingOf(apiKey, `PIP-RACE-${round}`);
      await agent.browser.get(`/staff/recordings/${recordingId}`);
      await supervisor.browser.get(`/staff/recordings/${recordingId}`);

      const answers = await Promise.all([
        request(portal.app).post(`/api/v1/recordings/${recordingId}/links`).set('Authorization', `Bearer ${apiKey}`).then((a) => ({ route: 'api', sent: a.status === 201, refused: a.status === 409 })),
        agent.browser.post(`/staff/recordings/${recordingId}/links`, { reason: 'Claimant lost the text' }).then((a) => ({ route: 'console', sent: a.text.includes('A new link has been sent'), refused: a.status === 400 && a.text.includes('deletion of this recording has been requested') })),
        portal.cli('links', 'send', '--recording', recordingId).then((a) => ({ route: 'cli', sent: a.code === 0, refused: a.code === 1 && /deletion of this recording has been requested/.test(String(a.json.error)) })),
        supervisor.browser.post(`/staff/recordings/${recordingId}/deletion-request`, { reason: 'Claimant asked for erasure' }).then((a) => ({ route: 'deletion', sent: a.status === 200, refused: false })),
      ]);
      await portal.settled();
      // Each reissue either went out or was refused with the reason; the deletion request was taken.
      for (const answer of answers) expect({ route: answer.route, settled: answer.sent !== answer.refused }).toEqual({ route: answer.route, settled: true });
      expect(answers.find((a) => a.route === 'deletion')!.sent).toBe(true);

      const trail = (await portal.audit.auditTrail({ recordingId })).map((event) => event.type);
      const requestedAt = trail.indexOf('deletion.requested');
      expect(trail.slice(requestedAt)).not.toContain('link.issued');
      expect(trail.filter((t) => t === 'link.issued')).toHaveLength(answers.filter((a) => a.route !== 'deletion' && a.sent).length);
      const waiting = await portal.db.selectFrom('sms_messages').select('id').where('recording_id', '=', recordingId).where('status', '=', 'pending').execute();
      expect(waiting).toEqual([]);
    }
  });

  test('10 at once across two instances, the console and the CLI: exactly 3 links are issued, the rest refused with the limit', async () => {
    const apiKey = await providerKey(portal);
    const recordingId = await recordingOf(apiKey, 'PIP-FLOOD-1');
    const agent = await signedInStaff(portal, 'agent');
    await agent.browser.get(`/staff/recordings/${recordingId}`);
    const second = await portal.anotherInstance();
    try {
      const apiCall = (i: number) =>
        request(i % 2 ? second.app : portal.app)
          .post(`/api/v1/recordings/${recordingId}/links`)
          .set('Authorization', `Bearer ${apiKey}`)
          .then((a) => ({ sent: a.status === 201, limited: a.status === 429 && Number(a.headers['retry-after']) === 3600 }));
      const answers = await Promise.all([
        ...Array.from({ length: 6 }, (_, i) => apiCall(i)),
        ...Array.from({ length: 2 }, () =>
          agent.browser.post(`/staff/recordings/${recordingId}/links`, { reason: 'Claimant lost the text' }).then((a) => ({ sent: a.text.includes('A new link has been sent'), limited: a.status === 400 && a.text.includes('3 links in the last hour') })),
        ),
        ...Array.from({ length: 2 }, () =>
          portal.cli('links', 'send', '--recording', recordingId).then((a) => ({ sent: a.code === 0, limited: a.code === 1 && String(a.json.error).includes('3 links in the last hour') })),
        ),
      ]);
      expect(answers.filter((a) => a.sent)).toHaveLength(3);
      expect(answers.filter((a) => a.limited)).toHaveLength(7);

      // Three links, three texts queued; a newer link supersedes a text still waiting, so up to three reach the phone.
      expect((await portal.audit.auditTrail({ recordingId })).filter((e) => e.type === 'link.issued')).toHaveLength(3);
      // Both instances' dispatchers have sent what their routes queued (the CLI's had before it answered).
      await Promise.all([portal.settled(), second.settled()]);
      const settled = await portal.db.selectFrom('sms_messages').select('status').where('recording_id', '=', recordingId).execute();
      expect(settled).toHaveLength(3);
      expect(settled.filter((m) => m.status !== 'sent' && m.status !== 'superseded')).toEqual([]);
      expect(portal.outbox()).toHaveLength(settled.filter((m) => m.status === 'sent').length);
      expect(portal.outbox().length).toBeLessThanOrEqual(3);
    } finally {
      await second.close();
    }
  });
});
