import { createHash } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { demoAudio } from '../support/demoAudio';
import { LISTEN_SLICE_BYTES } from '../../server/routes/claimant';
import { ClaimantBrowser } from '../support/claimantBrowser';
import { MINUTE, SECOND } from '../support/testClock';
import { CLAIMANT, sha256, startTestPortal, type TestPortal } from '../support/testPortal';

// A 45-minute assessment, as a provider's 8 kHz WAV: 43 MB, ten listening slices.
const AUDIO = demoAudio(45 * 60, 8_000);
const AUDIO_SHA256 = sha256(AUDIO);
/**
 * For the tests of who may go on reading, not of how much there is to read: a session, link or ticket
 * is checked on every range whatever the file's length, so a 43 MB upload for each (8 of 11) would
 * add only time. The long file stays where its length is the point: reading it all, seeking near its
 * end, ranges past it, a download cut off and resumed.
 */
const SHORT_AUDIO = demoAudio(3);
/** 6 minutes at 8 kHz: 5.8 MB, just over one slice. */
const TWO_SLICE_AUDIO = demoAudio(6 * 60, 8_000);

let portal: TestPortal;
beforeAll(async () => {
  portal = await startTestPortal();
});
afterAll(async () => {
  await portal.close();
});

async function signedInRecording(audio = AUDIO) {
  portal.clock.set(new Date(Math.floor(Date.now() / SECOND) * SECOND));
  const recording = await portal.recordingWithLink(audio);
  const browser = new ClaimantBrowser(portal.app);
  expect((await browser.enterNino(recording.path, CLAIMANT.nino)).status).toBe(303);
  return { ...recording, browser };
}

describe('listening that lasts the session', () => {
  test('the player reads the whole recording in ranges, seeks anywhere, and goes on long after a presigned URL would have expired', async () => {
    const { path, browser, linkId } = await signedInRecording();
    const hash = createHash('sha256');
    let next = 0;
    let requests = 0;
    // A player that asks for a slice at a time, at the claimant's pace: the whole recording over the length of one session.
    while (next < AUDIO.length) {
      const end = Math.min(next + LISTEN_SLICE_BYTES, AUDIO.length) - 1;
      const slice = await browser.getBytes(`${path}/listen`, { Range: `bytes=${next}-${end}` });
      expect(slice.status).toBe(206);
      expect(slice.headers['content-range']).toBe(`bytes ${next}-${end}/${AUDIO.length}`);
      expect(slice.headers['content-type']).toBe('audio/wav');
      hash.update(slice.bytes);
      next = end + 1;
      requests++;
      portal.clock.advance(MINUTE);
    }
    expect(hash.digest('hex')).toBe(AUDIO_SHA256);
    expect(requests).toBe(Math.ceil(AUDIO.length / LISTEN_SLICE_BYTES));

    // A seek asks with an open range: the answer runs to the end of the file, as the range says.
    const middle = Math.floor(AUDIO.length / 2);
    const seek = await browser.getBytes(`${path}/listen`, { Range: `bytes=${middle}-` });
    expect(seek.status).toBe(206);
    expect(seek.headers['content-range']).toBe(`bytes ${middle}-${AUDIO.length - 1}/${AUDIO.length}`);
    expect(seek.bytes.equals(AUDIO.subarray(middle))).toBe(true);
    expect((await portal.links.findLink(linkId))!.first_download_at).toBeNull();
  });

  test('each range is checked against the session: at its end the player gets no more audio, and a renewed session goes on', async () => {
    const { path, browser } = await signedInRecording(SHORT_AUDIO);
    // Sessions end on a whole second (a JWT's `exp`); the clock stands on one.
    portal.clock.advance(20 * MINUTE - SECOND);
    expect((await browser.getBytes(`${path}/listen`, { Range: 'bytes=0-1023' })).status).toBe(206);
    const renewed = await browser.post(`${path}/session`, {});
    expect(renewed.status).toBe(303);
    portal.clock.advance(20 * MINUTE - 1);
    expect((await browser.getBytes(`${path}/listen`, { Range: 'bytes=1024-2047' })).status).toBe(206);
    portal.clock.advance(1);
    // Refused, not redirected: a player sent to a page stalls in silence; a refusal makes the page reload and say why.
    const ended = await browser.getBytes(`${path}/listen`, { Range: 'bytes=2048-' });
    expect(ended.status).toBe(403);
    expect(ended.headers['content-range']).toBeUndefined();
    expect(ended.bytes.toString()).toContain('You need to enter your National Insurance number again');
  });

  test('listening stops when the link is replaced or the recording is asked to be deleted', async () => {
    const { path, browser, recordingId } = await signedInRecording(SHORT_AUDIO);
    await portal.sendLink(recordingId);
    expect((await browser.getBytes(`${path}/listen`, { Range: 'bytes=0-' })).status).toBe(410);

    const second = await signedInRecording(SHORT_AUDIO);
    await portal.retention.requestDeletion(second.recordingId, 'claimant asked', portal.clock(), 'staff-1');
    const gone = await second.browser.getBytes(`${second.path}/listen`, { Range: 'bytes=0-' });
    expect(gone.status).toBe(410);
    expect(gone.bytes.toString()).toContain('This recording is no longer available');
  });

  test('ranges outside the file are 416; malformed, hostile or mismatched ones get the start of the file; none is a 500', async () => {
    // Every answer but the 416 runs to the file's end, so a file of two slices, not the 45-minute one
    // (seven whole answers of it were over 30 s at a load of 20).
    const AUDIO = TWO_SLICE_AUDIO;
    const { path, browser } = await signedInRecording(AUDIO);
    const outside = await browser.getBytes(`${path}/listen`, { Range: `bytes=${AUDIO.length}-` });
    expect(outside.status).toBe(416);
    expect(outside.headers['content-range']).toBe(`bytes */${AUDIO.length}`);
    const lastBytes = await browser.getBytes(`${path}/listen`, { Range: 'bytes=-16' });
    expect(lastBytes.status).toBe(206);
    expect(lastBytes.bytes.equals(AUDIO.subarray(-16))).toBe(true);
    const hostile = ['bytes=abc', 'bytes=5-1', 'items=0-10', 'bytes=0-1,'.repeat(500), `bytes=${'9'.repeat(400)}-`, 'bytes=\u00ff-'];
    const answers = await Promise.all(hostile.map((range) => browser.getBytes(`${path}/listen`, { Range: range }).catch(() => undefined)));
    for (const answer of answers.filter((a) => a !== undefined)) expect([200, 206, 416]).toContain(answer!.status);
    const mismatched = await browser.getBytes(`${path}/listen`, { Range: 'bytes=1000-1999', 'If-Range': '"another-version"' });
    expect(mismatched.status).toBe(200);
    expect(mismatched.headers['content-length']).toBe(String(AUDIO.length));
  });
});

/** The portal on loopback behind a TCP proxy that can drop every connection, as a phone losing signal does. */
async function behindDroppingProxy() {
  const server = portal.app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const portalPort = (server.address() as AddressInfo).port;
  const sockets = new Set<net.Socket>();
  const proxy = net.createServer((client) => {
    const upstream = net.connect(portalPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    const drop = () => [client, upstream].forEach((socket) => socket.destroy());
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  const origin = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  return {
    /** GETs through the proxy; with `dropAfter`, the signal goes once that many bytes of body have arrived. */
    get(path: string, headers: Record<string, string>, dropAfter?: number) {
      return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer; complete: boolean }>((resolve, reject) => {
        const request = http.get(`${origin}${path}`, { headers, agent: false }, (response) => {
          const chunks: Buffer[] = [];
          let received = 0;
          const finish = () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks), complete: response.complete });
          response.on('data', (chunk: Buffer) => {
            const kept = dropAfter === undefined ? chunk : chunk.subarray(0, Math.max(0, dropAfter - received));
            chunks.push(kept);
            received += kept.length;
            if (dropAfter !== undefined && received >= dropAfter) sockets.forEach((socket) => socket.destroy());
          });
          response.on('end', finish).on('error', finish).on('aborted', finish);
        });
        request.on('error', reject);
      });
    },
    async close() {
      sockets.forEach((socket) => socket.destroy());
      proxy.close();
      server.closeAllConnections();
      server.close();
    },
  };
}

describe('downloads that survive a dropped connection', () => {
  test('a download cut off after its first MiB resumes 75 seconds later from where it stopped, and the whole file matches', async () => {
    const { path, browser, linkId, token } = await signedInRecording();
    const { location } = (await browser.download(path)).headers;
    const cookie = browser.cookieHeader(location);
    const network = await behindDroppingProxy();
    try {
      const first = await network.get(location, { cookie }, 1024 * 1024);
      expect(first.status).toBe(200);
      expect(first.complete).toBe(false);
      expect(first.headers['content-length']).toBe(String(AUDIO.length));
      const etag = first.headers.etag!;
      expect(etag).toMatch(/^"[\w-]{27}"$/);
      expect(etag).not.toContain(AUDIO_SHA256.slice(0, 16));

      portal.clock.advance(75 * SECOND);
      // The session cookie is not needed: the download manager resumes on its own, perhaps after the session.
      const rest = await network.get(location, { Range: `bytes=${first.body.length}-`, 'If-Range': etag });
      expect(rest.status).toBe(206);
      expect(rest.headers['content-range']).toBe(`bytes ${first.body.length}-${AUDIO.length - 1}/${AUDIO.length}`);
      expect(sha256(Buffer.concat([first.body, rest.body]))).toBe(AUDIO_SHA256);

      // Past the time to start, the address gives nothing to someone without the validator.
      expect((await network.get(location, {})).status).toBe(410);
      expect((await network.get(location, { Range: 'bytes=0-' })).status).toBe(410);
      expect((await network.get(location, { Range: 'bytes=0-', 'If-Range': '"guessed"' })).status).toBe(410);
      expect((await network.get(location.replace(token, token.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')) ), { Range: 'bytes=0-', 'If-Range': etag })).status).toBe(404);

      const link = (await portal.links.findLink(linkId))!;
      expect(link.download_count).toBe(1);
    } finally {
      await network.close();
    }
  });

  test('a transfer resumes until 30 minutes after the button was pressed, and not at 30 minutes; resuming never counts again', async () => {
    const { path, browser, linkId } = await signedInRecording(SHORT_AUDIO);
    const { location } = (await browser.download(path)).headers;
    const head = await browser.getBytes(location, { Range: 'bytes=0-99' });
    expect(head.status).toBe(206);
    const etag = head.headers.etag;
    const firstDownloadAt = (await portal.links.findLink(linkId))!.first_download_at;

    portal.clock.advance(30 * MINUTE - SECOND);
    const resumes = await Promise.all(Array.from({ length: 20 }, () => browser.getBytes(location, { Range: 'bytes=100-199', 'If-Range': etag })));
    for (const resume of resumes) {
      expect(resume.status).toBe(206);
      expect(resume.bytes.equals(SHORT_AUDIO.subarray(100, 200))).toBe(true);
    }
    portal.clock.advance(SECOND);
    expect((await browser.getBytes(location, { Range: 'bytes=100-', 'If-Range': etag })).status).toBe(410);
    const link = (await portal.links.findLink(linkId))!;
    expect(link.download_count).toBe(1);
    expect(link.first_download_at).toBe(firstDownloadAt);
  });

  test('a resumption stops when the link is replaced or the recording is asked to be deleted', async () => {
    const replaced = await signedInRecording(SHORT_AUDIO);
    const first = (await replaced.browser.download(replaced.path)).headers.location;
    const etag = (await replaced.browser.getBytes(first, { Range: 'bytes=0-9' })).headers.etag;
    await portal.sendLink(replaced.recordingId);
    expect((await replaced.browser.getBytes(first, { Range: 'bytes=10-', 'If-Range': etag })).status).toBe(410);

    const deleted = await signedInRecording(SHORT_AUDIO);
    const second = (await deleted.browser.download(deleted.path)).headers.location;
    const secondEtag = (await deleted.browser.getBytes(second, { Range: 'bytes=0-9' })).headers.etag;
    await portal.retention.requestDeletion(deleted.recordingId, 'claimant asked', portal.clock(), 'staff-1');
    const gone = await deleted.browser.getBytes(second, { Range: 'bytes=10-', 'If-Range': secondEtag });
    expect(gone.status).toBe(410);
    expect(gone.bytes.toString()).toContain('This recording is no longer available');
  });

  test("one download's address does not serve another link's recording", async () => {
    const a = await signedInRecording(SHORT_AUDIO);
    const b = await signedInRecording(SHORT_AUDIO);
    const ticket = (await a.browser.download(a.path)).headers.location.split('/').pop();
    const crossed = await b.browser.getBytes(`${b.path}/download/${ticket}`);
    expect(crossed.status).toBe(410);
    expect(crossed.headers['content-type']).toMatch(/^text\/html/);
  });
});
