import { readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { sql } from 'kysely';
import request from 'supertest';
import { demoAudio } from '../support/demoAudio';
import type { StaffTables } from '../../server/store/staffSchema';
import { ClaimantBrowser } from '../support/claimantBrowser';
import { expectMatchesOpenApi } from '../support/openApiCheck';
import { waitUntil } from '../support/waitUntil';
import { CLAIMANT, sha256, startTestPortal, type TestPortal } from '../support/testPortal';

let portal: TestPortal;
beforeEach(async () => {
  portal = await startTestPortal({ API_MAX_UPLOAD_MB: '1' });
});
afterEach(async () => {
  await portal.close();
});

async function addProvider(name = `Provider ${Math.random().toString(36).slice(2, 8)}`) {
  const added = await portal.cli('providers', 'add', '--name', name);
  expect(added.code).toBe(0);
  return added.json as { providerId: string; name: string; apiKey: string };
}

/** Every object in the bucket, by walking the embedded S3 server's files (one `._S3rver_object` each). */
function bucketFiles(): string[] {
  const root = path.join(portal.dataDir, 's3', portal.config.s3.bucket);
  try {
    return readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('._S3rver_object'));
  } catch {
    return [];
  }
}

let refCounter = 0;
function upload(apiKey: string, fields: Record<string, string> = {}, audio: Buffer = demoAudio(2), headers: Record<string, string> = {}) {
  let call = request(portal.app).post('/api/v1/recordings').set('Authorization', `Bearer ${apiKey}`);
  for (const [name, value] of Object.entries(headers)) call = call.set(name, value);
  const form = { assessmentRef: `PIP-API-${++refCounter}`, nino: CLAIMANT.nino, mobile: CLAIMANT.phone, language: 'en', ...fields };
  for (const [name, value] of Object.entries(form)) call = call.field(name, value);
  return call.attach('audio', audio, { filename: 'assessment.wav', contentType: 'application/octet-stream' });
}

describe('the provider API', () => {
  test('registers a recording, texts the link, and reports status without personal data; every answer matches the OpenAPI document', async () => {
    const { apiKey } = await addProvider();
    const audio = demoAudio(2);
    const created = await upload(apiKey, { assessmentRef: 'PIP-2026-555', recordedAt: new Date(portal.clock().getTime() - 3_600_000).toISOString(), sha256: sha256(audio) }, audio);
    expect(created.status).toBe(201);
    expectMatchesOpenApi(created, 'post', '/api/v1/recordings');
    expect(created.body.sha256).toBe(sha256(audio));
    expect(created.body.sizeBytes).toBe(audio.length);
    expect(created.body.latestLink).toBeNull();
    expect(created.headers.location).toBe(`/api/v1/recordings/${created.body.id}`);
    const id = created.body.id as string;

    const sent = await request(portal.app).post(`/api/v1/recordings/${id}/links`).set('Authorization', `Bearer ${apiKey}`);
    expect(sent.status).toBe(201);
    expectMatchesOpenApi(sent, 'post', `/api/v1/recordings/${id}/links`);
    expect(sent.body.state).toBe('open');
    await portal.settled();
    const message = portal.outbox().at(-1)!;
    expect(message.to).toBe('+447700900123');
    const claimant = new ClaimantBrowser(portal.app);
    expect((await claimant.enterNino(new URL(message.url).pathname, CLAIMANT.nino)).status).toBe(303);

    const status = await request(portal.app).get(`/api/v1/recordings/${id}`).set('Authorization', `Bearer ${apiKey}`);
    expect(status.status).toBe(200);
    expectMatchesOpenApi(status, 'get', `/api/v1/recordings/${id}`);
    expect(status.body.latestLink.id).toBe(sent.body.id);
    for (const secret of ['AB123456C', '+447700900123', '900123', new URL(message.url).pathname]) expect(status.text).not.toContain(secret);
    const [registered] = (await portal.audit.auditEvents()).filter((event) => event.type === 'recording.registered' && event.recording_id === id);
    expect(registered.actor).toMatch(/^provider:/);
  });

  /**
   * An upload on a real connection whose body the test sends in two halves, so it can hold it open
   * half-sent (keeping its room in memory) or cut it off.
   */
  async function halfSentUpload(apiKey: string, fields: Record<string, string>, audio: Buffer, headers: Record<string, string> = {}) {
    // Every held upload carries a key: its claim, made once the fields are in, says the upload has its room.
    const key = headers['Idempotency-Key'] ?? `held-${Math.random().toString(36).slice(2, 10)}`;
    const claimed = async () => (await portal.db.withTables<StaffTables>().selectFrom('idempotency_keys').select('key').where('key', '=', key).executeTakeFirst()) !== undefined;
    const server = http.createServer(portal.app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const boundary = 'half-sent-boundary';
    const body = Buffer.concat([
      ...Object.entries(fields).map(([name, value]) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`)),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="audio"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\n`),
      audio,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const sent = http.request({
      host: '127.0.0.1',
      port: (server.address() as AddressInfo).port,
      method: 'POST',
      path: '/api/v1/recordings',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': body.length, ...headers, 'Idempotency-Key': key },
    });
    sent.on('error', () => {});
    const status = new Promise<number>((resolve) => sent.on('response', (answer) => void answer.resume().on('end', () => resolve(answer.statusCode!))));
    sent.write(body.subarray(0, body.length / 2));
    await waitUntil('the half-sent upload has its room and its key', claimed);
    const closeServer = () => new Promise((resolve) => server.close(resolve));
    return {
      async finish() {
        sent.end(body.subarray(body.length / 2));
        const answered = await status;
        await closeServer();
        return answered;
      },
      async cutOff() {
        sent.destroy();
        // The key is released as the upload unwinds, just before its room is given back.
        await waitUntil('the cut-off upload has given back its key', async () => !(await claimed()));
        await closeServer();
      },
    };
  }

  const LARGE_SECONDS = 22; // about 700 KB of WAV, of the 1 MB this portal takes: sent in two halves

  test('a provider holds at most half the upload slots: its next upload gets 503 and Retry-After while another provider is still taken, and the same request is taken once its slot is free', async () => {
    const slow = await addProvider();
    const other = await addProvider();
    const held = [
      await halfSentUpload(slow.apiKey, { assessmentRef: 'PIP-SLOW-1', nino: CLAIMANT.nino, mobile: CLAIMANT.phone }, demoAudio(LARGE_SECONDS)),
      await halfSentUpload(slow.apiKey, { assessmentRef: 'PIP-SLOW-2', nino: CLAIMANT.nino, mobile: CLAIMANT.phone }, demoAudio(LARGE_SECONDS)),
    ];
    const third = () => upload(slow.apiKey, { assessmentRef: 'PIP-SLOW-3' }, demoAudio(2), { 'Idempotency-Key': 'slow-3' });
    const busy = await third();
    expect(busy.status).toBe(503);
    expect(busy.headers['retry-after']).toBe('10');
    expect(busy.body.type).toMatch(/\/problems\/uploads-busy$/);
    expectMatchesOpenApi(busy, 'post', '/api/v1/recordings');
    expect(await portal.recordings.findRecordingByRef('PIP-SLOW-3')).toBeUndefined();

    // The slow provider's two uploads leave the other half of the room to everyone else.
    expect((await upload(other.apiKey)).status).toBe(201);

    expect(await held[0].finish()).toBe(201);
    // The refusal did not use up the Idempotency-Key: the same request is now taken, not replayed.
    const taken = await third();
    expect(taken.status).toBe(201);
    expect(taken.headers['idempotent-replayed']).toBeUndefined();
    expect(await held[1].finish()).toBe(201);
  });

  test('an upload the client cuts off gives back its room and its Idempotency-Key, and registers nothing', async () => {
    const { apiKey } = await addProvider();
    const fields = { assessmentRef: 'PIP-CUT-1', nino: CLAIMANT.nino, mobile: CLAIMANT.phone };
    const before = await portal.db.selectFrom('recordings').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    await (await halfSentUpload(apiKey, fields, demoAudio(LARGE_SECONDS), { 'Idempotency-Key': 'cut-1' })).cutOff();
    expect(await portal.db.selectFrom('recordings').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).toEqual(before);
    // Were the room still held, this would be 503; were the key still held, 409.
    const retried = await upload(apiKey, fields, demoAudio(LARGE_SECONDS), { 'Idempotency-Key': 'cut-1' });
    expect(retried.status).toBe(201);
  });

  test('a missing, malformed, unknown or revoked key is refused with 401', async () => {
    const provider = await addProvider('Revoked Assessments Ltd');
    for (const authorization of [undefined, 'Bearer', `Basic ${provider.apiKey}`, 'Bearer rk_' + 'A'.repeat(43), `Bearer ${provider.apiKey}x`]) {
      let call = request(portal.app).get('/api/v1/recordings/00000000-0000-0000-0000-000000000000');
      if (authorization) call = call.set('Authorization', authorization);
      const answer = await call;
      expect(answer.status).toBe(401);
      expect(answer.headers['www-authenticate']).toBe('Bearer');
      expectMatchesOpenApi(answer, 'get', '/api/v1/recordings/00000000-0000-0000-0000-000000000000');
    }
    expect((await upload(provider.apiKey)).status).toBe(201);
    expect((await portal.cli('providers', 'revoke', '--name', 'Revoked Assessments Ltd')).json).toEqual({ providerId: provider.providerId, revokedKeys: 1 });
    const afterRevoke = await upload(provider.apiKey);
    expect(afterRevoke.status).toBe(401);
    expectMatchesOpenApi(afterRevoke, 'post', '/api/v1/recordings');
  });

  test("another provider's recording is not found, for reading and for sending", async () => {
    const owner = await addProvider();
    const other = await addProvider();
    const created = await upload(owner.apiKey);
    const id = created.body.id as string;
    const read = await request(portal.app).get(`/api/v1/recordings/${id}`).set('Authorization', `Bearer ${other.apiKey}`);
    expect(read.status).toBe(404);
    expectMatchesOpenApi(read, 'get', `/api/v1/recordings/${id}`);
    const send = await request(portal.app).post(`/api/v1/recordings/${id}/links`).set('Authorization', `Bearer ${other.apiKey}`);
    expect(send.status).toBe(404);
    expectMatchesOpenApi(send, 'post', `/api/v1/recordings/${id}/links`);
    await portal.settled();
    expect(portal.outbox()).toHaveLength(0);
  });

  test('a repeated POST with the same Idempotency-Key returns the first result and creates nothing new', async () => {
    const { apiKey } = await addProvider();
    const first = await upload(apiKey, { assessmentRef: 'PIP-IDEM-1' }, demoAudio(2), { 'Idempotency-Key': 'upload-7f3a' });
    expect(first.status).toBe(201);
    const objects = bucketFiles().length;
    const again = await upload(apiKey, { assessmentRef: 'PIP-IDEM-1' }, demoAudio(2), { 'Idempotency-Key': 'upload-7f3a' });
    expect(again.status).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
    expectMatchesOpenApi(again, 'post', '/api/v1/recordings');
    expect(bucketFiles()).toHaveLength(objects);
    expect((await portal.audit.auditEvents()).filter((event) => event.type === 'recording.registered')).toHaveLength(1);

    const id = first.body.id as string;
    const sendOnce = () => request(portal.app).post(`/api/v1/recordings/${id}/links`).set('Authorization', `Bearer ${apiKey}`).set('Idempotency-Key', 'send-1');
    const sent = await sendOnce();
    const resent = await sendOnce();
    expect(resent.status).toBe(201);
    expect(resent.body).toEqual(sent.body);
    expectMatchesOpenApi(resent, 'post', `/api/v1/recordings/${id}/links`);
    await portal.settled();
    expect(portal.outbox()).toHaveLength(1);

    const reused = await request(portal.app).post(`/api/v1/recordings/${id}/links`).set('Authorization', `Bearer ${apiKey}`).set('Idempotency-Key', 'upload-7f3a');
    expect(reused.status).toBe(422);
    expectMatchesOpenApi(reused, 'post', `/api/v1/recordings/${id}/links`);
  });

  test('an Idempotency-Key sent again with a different request gets 422 idempotency-key-mismatch and registers nothing', async () => {
    const { apiKey } = await addProvider();
    const first = await upload(apiKey, { assessmentRef: 'PIP-KEY-1' }, demoAudio(2), { 'Idempotency-Key': 'key-9c1d' });
    expect(first.status).toBe(201);
    const objects = bucketFiles().length;
    const different: Array<[Record<string, string>, Buffer]> = [
      [{ assessmentRef: 'PIP-KEY-2' }, demoAudio(2)], // another recording's fields
      [{ assessmentRef: 'PIP-KEY-1', sha256: sha256(demoAudio(3)) }, demoAudio(3)], // another file under the same reference
    ];
    for (const [fields, audio] of different) {
      const reused = await upload(apiKey, fields, audio, { 'Idempotency-Key': 'key-9c1d' });
      expect(reused.status).toBe(422);
      expect(reused.body.type).toBe('https://assessment-recordings.service.gov.uk/problems/idempotency-key-mismatch');
      expect(reused.headers['idempotent-replayed']).toBeUndefined();
      expectMatchesOpenApi(reused, 'post', '/api/v1/recordings');
    }
    expect(await portal.recordings.findRecordingByRef('PIP-KEY-2')).toBeUndefined();
    expect((await portal.audit.auditEvents()).filter((event) => event.type === 'recording.registered')).toHaveLength(1);
    expect(bucketFiles()).toHaveLength(objects);
  });

  test('a recording whose owner cannot be written is not kept at all, and the retry with the same Idempotency-Key registers it', async () => {
    const { apiKey } = await addProvider();
    // The database refusing the ownership row, as a lost connection between two statements would.
    await sql`create trigger refuse_owner before insert on provider_recordings begin select raise(abort, 'refused'); end`.execute(portal.db);
    const failed = await upload(apiKey, { assessmentRef: 'PIP-OWNER-1' }, demoAudio(2), { 'Idempotency-Key': 'owner-1' });
    expect(failed.status).toBe(500);
    expect(await portal.recordings.findRecordingByRef('PIP-OWNER-1')).toBeUndefined();
    expect((await portal.audit.auditEvents()).filter((event) => event.type === 'recording.registered')).toEqual([]);
    expect(bucketFiles()).toEqual([]);

    await sql`drop trigger refuse_owner`.execute(portal.db);
    const retried = await upload(apiKey, { assessmentRef: 'PIP-OWNER-1' }, demoAudio(2), { 'Idempotency-Key': 'owner-1' });
    expect(retried.status).toBe(201);
    expect((await request(portal.app).get(`/api/v1/recordings/${retried.body.id}`).set('Authorization', `Bearer ${apiKey}`)).status).toBe(200);
    expect(bucketFiles()).toHaveLength(1);
  });

  test('an upload over the configured size is refused with 413 and leaves no object in the bucket', async () => {
    const { apiKey } = await addProvider();
    const tooBig = Buffer.concat([demoAudio(1), Buffer.alloc(1024 * 1024)]);
    const answer = await upload(apiKey, {}, tooBig);
    expect(answer.status).toBe(413);
    expectMatchesOpenApi(answer, 'post', '/api/v1/recordings');
    expect(bucketFiles()).toEqual([]);
    expect(await portal.audit.auditEvents()).not.toContainEqual(expect.objectContaining({ type: 'recording.registered' }));
  });

  test('a body that goes on far past the limit after a small audio file is cut off with 413, and nothing is registered', async () => {
    const { apiKey } = await addProvider();
    const answer = await upload(apiKey, { assessmentRef: 'PIP-TRAIL-1' }, demoAudio(1))
      .attach('trailing', Buffer.alloc(3 * 1024 * 1024), { filename: 'junk.bin' })
      .then((response) => response.status, (error: { status?: number; code?: string }) => error.status ?? error.code);
    expect([413, 'EPIPE', 'ECONNRESET']).toContain(answer);
    expect(await portal.recordings.findRecordingByRef('PIP-TRAIL-1')).toBeUndefined();
    expect(bucketFiles()).toEqual([]);
  });

  test('a file that is not audio is refused with 415, whatever it is called', async () => {
    const { apiKey } = await addProvider();
    const answer = await upload(apiKey, {}, Buffer.from('%PDF-1.7 this is a letter, not a recording'));
    expect(answer.status).toBe(415);
    expectMatchesOpenApi(answer, 'post', '/api/v1/recordings');
    expect(answer.body.type).toBe('https://assessment-recordings.service.gov.uk/problems/not-audio');
    expect(bucketFiles()).toEqual([]);
  });

  test('bad metadata, a wrong checksum, a duplicate reference and a body that is not multipart get clear 4xx problems', async () => {
    const { apiKey } = await addProvider();
    const cases: Array<[Record<string, string>, number, string]> = [
      [{ nino: 'not a nino' }, 422, 'nino'],
      [{ mobile: '01632 960000' }, 422, 'mobile'],
      [{ language: 'fr' }, 422, 'language'],
      [{ recordedAt: 'yesterday' }, 422, 'recordedAt'],
      [{ sha256: '0'.repeat(64) }, 422, 'sha256'],
      [{ assessmentRef: 'x' }, 422, 'assessmentRef'],
    ];
    for (const [fields, status, field] of cases) {
      const answer = await upload(apiKey, fields);
      expect({ fields, status: answer.status, field: answer.body.field }).toEqual({ fields, status, field });
      expectMatchesOpenApi(answer, 'post', '/api/v1/recordings');
    }
    expect((await upload(apiKey, { assessmentRef: 'PIP-DUP-1' })).status).toBe(201);
    const duplicate = await upload(apiKey, { assessmentRef: 'PIP-DUP-1' });
    expect(duplicate.status).toBe(409);
    expectMatchesOpenApi(duplicate, 'post', '/api/v1/recordings');
    const notMultipart = await request(portal.app).post('/api/v1/recordings').set('Authorization', `Bearer ${apiKey}`).set('Content-Type', 'application/json').send('{"a":1}');
    expect(notMultipart.status).toBe(400);
    expectMatchesOpenApi(notMultipart, 'post', '/api/v1/recordings');
    expect(bucketFiles()).toHaveLength(1);
  });

  test('serves its OpenAPI 3.1 document', async () => {
    const answer = await request(portal.app).get('/api/v1/openapi.json');
    expect(answer.status).toBe(200);
    expect(answer.body.openapi).toBe('3.1.0');
    expect(Object.keys(answer.body.paths)).toEqual(['/recordings', '/recordings/{recordingId}', '/recordings/{recordingId}/links', '/recordings/{recordingId}/transcript']);
  });
});

describe('hostile input to the provider API', () => {
  test('a truncated or malformed multipart body, an odd Idempotency-Key and an unknown path get 4xx problems, never a 500', async () => {
    const { apiKey } = await addProvider();
    const boundary = 'xYzBoundary';
    const truncated = await request(portal.app)
      .post('/api/v1/recordings')
      .set('Authorization', `Bearer ${apiKey}`)
      .set('Content-Type', `multipart/form-data; boundary=${boundary}`)
      .send(`--${boundary}\r\nContent-Disposition: form-data; name="assessmentRef"\r\n\r\nPIP-1\r\n--${boundary}\r\nContent-Disposition: form-data; name="audio"; filename="a.wav"\r\n\r\nRIFF`);
    expect(truncated.status).toBe(400);
    expectMatchesOpenApi(truncated, 'post', '/api/v1/recordings');

    const extraField = await upload(apiKey, { surprise: 'x'.repeat(2000) });
    expect(extraField.status).toBe(400);
    expectMatchesOpenApi(extraField, 'post', '/api/v1/recordings');

    const oddKey = await upload(apiKey, {}, demoAudio(1), { 'Idempotency-Key': 'é'.repeat(300) });
    expect(oddKey.status).toBe(400);
    expectMatchesOpenApi(oddKey, 'post', '/api/v1/recordings');

    // A page form's body, and too big for the pages' form parser: still the API's own answer.
    const formBody = await request(portal.app)
      .post('/api/v1/recordings')
      .set('Authorization', `Bearer ${apiKey}`)
      .type('form')
      .send(`assessmentRef=${'x'.repeat(5000)}`);
    expect(formBody.status).toBe(400);
    expectMatchesOpenApi(formBody, 'post', '/api/v1/recordings');

    const unknown = await request(portal.app).get('/api/v1/nothing-here').set('Authorization', `Bearer ${apiKey}`);
    expect(unknown.status).toBe(404);
    expect(unknown.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(bucketFiles()).toEqual([]);
  });
});
