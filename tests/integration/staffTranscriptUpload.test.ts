import http from 'node:http';
import net from 'node:net';
import request from 'supertest';
import { providerRecording } from '../support/providerRecording';
import { signedInStaff, type StaffBrowser } from '../support/staffBrowser';
import { startTestPortal, type TestPortal } from '../support/testPortal';

/**
 * The console's transcript upload over a real listening server and raw sockets: a body cut off
 * mid-file, a body refused before it is read. Whoever sends them, the process goes on serving.
 */

// Staff sign-ins weigh passwords with argon2: on a shared two-core machine a test of several passes 30 s.
jest.setTimeout(90_000);

const VTT = 'WEBVTT\n\n00:00:01.000 --> 00:00:06.000\nAssessor: Can you cook a meal for yourself?\n';
const BOUNDARY = 'staff-transcript-boundary';

let portal: TestPortal;
let server: http.Server;
beforeEach(async () => {
  portal = await startTestPortal();
  server = http.createServer(portal.app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await portal.close();
});

const port = () => (server.address() as net.AddressInfo).port;

/** The start of the form a browser sends: `_csrf` (when given), the reason, then the file's first bytes. */
function formStart(csrf: string | undefined, fileStart: string): Buffer {
  const field = (name: string, value: string) => `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
  return Buffer.from(
    (csrf === undefined ? '' : field('_csrf', csrf)) +
      field('reason', 'Reasonable adjustment: the claimant is deaf') +
      `--${BOUNDARY}\r\nContent-Disposition: form-data; name="transcript"; filename="transcript.vtt"\r\nContent-Type: text/vtt\r\n\r\n${fileStart}`,
  );
}

/** Headers declaring `declaredBytes` of body, and the first bytes of it, on a raw socket; the answer's head if one comes. */
function rawUpload(recordingId: string, cookie: string, declaredBytes: number, firstBytes: Buffer) {
  const socket = net.connect(port(), '127.0.0.1');
  socket.on('error', () => undefined);
  const head =
    `POST /staff/recordings/${recordingId}/transcript HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: ${cookie}\r\n` +
    `Content-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: ${declaredBytes}\r\n\r\n`;
  socket.write(head);
  socket.write(firstBytes);
  const received: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  const answered = new Promise<string>((resolve) => {
    const check = () => {
      const text = Buffer.concat(received).toString('latin1');
      if (text.includes('\r\n\r\n')) resolve(text);
    };
    socket.on('data', check);
    socket.on('close', () => resolve(Buffer.concat(received).toString('latin1')));
  });
  return { socket, answered };
}

async function signedIn(role: string, recordingId: string): Promise<StaffBrowser> {
  const { browser } = await signedInStaff(portal, role);
  await browser.get(`/staff/recordings/${recordingId}`);
  return browser;
}

const transcriptEvents = async (recordingId: string) => (await portal.audit.auditTrail({ recordingId })).filter((event) => event.type.startsWith('transcript.'));

/** The console still answers, on a new connection to the same process. */
async function stillServing(browser: StaffBrowser) {
  const page = await request(server).get('/staff/find').set('Cookie', browser.cookieHeader('/staff/find'));
  expect(page.status).toBe(200);
}

describe('the staff transcript upload', () => {
  test('a supervisor’s body cut off mid-file gets no answer and stores nothing, and the process goes on serving', async () => {
    const { recordingId } = await providerRecording(portal, 'TRN-CUT-1', { seconds: 20 });
    const supervisor = await signedIn('supervisor', recordingId);
    // The HTTP body is whole (its Content-Length is what is sent) but the form in it stops mid-file; then the client goes.
    const cutForm = formStart(supervisor.csrfToken(), VTT);
    const { socket } = rawUpload(recordingId, supervisor.cookieHeader(`/staff/recordings/${recordingId}/transcript`), cutForm.length, cutForm);
    await new Promise<void>((resolve) => socket.write('', () => resolve()));
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.destroy();
    await closed;

    await stillServing(supervisor);
    expect(await portal.deps.transcriptStore.current(recordingId)).toBeUndefined();
    expect(await transcriptEvents(recordingId)).toEqual([]);
    // The same form sent whole afterwards is taken: nothing of the cut-off one is in the way.
    await supervisor.get(`/staff/recordings/${recordingId}`);
    const whole = await request(server)
      .post(`/staff/recordings/${recordingId}/transcript`)
      .set('Cookie', supervisor.cookieHeader(`/staff/recordings/${recordingId}/transcript`))
      .field('_csrf', supervisor.csrfToken()!)
      .field('reason', 'Reasonable adjustment: the claimant is deaf')
      .attach('transcript', Buffer.from(VTT), { filename: 'transcript.vtt', contentType: 'text/vtt' });
    expect(whole.status).toBe(200);
    expect(whole.text).toContain('The transcript has been attached (1 cues)');
  });

  test('an agent’s upload (no permission, no CSRF token) is refused with 403 before its body is read, cut off or not, and nothing is stored', async () => {
    const { recordingId } = await providerRecording(portal, 'TRN-AGENT-1', { seconds: 20 });
    const agent = await signedIn('agent', recordingId);
    const cookie = agent.cookieHeader(`/staff/recordings/${recordingId}/transcript`);

    // 10 MB declared, a few hundred bytes sent: the answer comes without waiting for the rest.
    const refused = rawUpload(recordingId, cookie, 10 * 1024 * 1024, formStart(undefined, VTT));
    const answer = await refused.answered;
    expect(answer).toMatch(/^HTTP\/1\.1 403 /);
    expect(answer).toMatch(/\r\nConnection: close\r\n/i);
    refused.socket.destroy();

    // And one cut off mid-file, as the attack sends it.
    const cutForm = formStart(undefined, VTT);
    const cut = rawUpload(recordingId, cookie, cutForm.length, cutForm);
    await new Promise<void>((resolve) => cut.socket.write('', () => resolve()));
    cut.socket.destroy();

    await stillServing(agent);
    expect(await portal.deps.transcriptStore.current(recordingId)).toBeUndefined();
    expect(await transcriptEvents(recordingId)).toEqual([]);
  });

  test('a supervisor’s form without its CSRF token is refused (403, "This form has expired") as soon as the file begins, before the file is read', async () => {
    const { recordingId } = await providerRecording(portal, 'TRN-CSRF-1', { seconds: 20 });
    const supervisor = await signedIn('supervisor', recordingId);
    const forged = rawUpload(recordingId, supervisor.cookieHeader(`/staff/recordings/${recordingId}/transcript`), 1024 * 1024, formStart(undefined, VTT));
    const answer = await forged.answered;
    expect(answer).toMatch(/^HTTP\/1\.1 403 /);
    forged.socket.destroy();
    const whole = await request(server)
      .post(`/staff/recordings/${recordingId}/transcript`)
      .set('Cookie', supervisor.cookieHeader(`/staff/recordings/${recordingId}/transcript`))
      .field('reason', 'Reasonable adjustment: the claimant is deaf')
      .attach('transcript', Buffer.from(VTT), { filename: 'transcript.vtt', contentType: 'text/vtt' });
    expect(whole.status).toBe(403);
    expect(whole.text).toContain('This form has expired');
    expect(await portal.deps.transcriptStore.current(recordingId)).toBeUndefined();
    expect(await transcriptEvents(recordingId)).toEqual([]);
  });
});
