import http from 'node:http';
import { demoAudio } from '../support/demoAudio';
import { LISTEN_SLICE_BYTES } from '../../server/routes/claimant';
import { ClaimantBrowser } from '../support/claimantBrowser';
import { grantOf } from '../support/grants';
import { SECOND } from '../support/testClock';
import { CLAIMANT, sha256, type TestPortal } from '../support/testPortal';
import { readSlowly as readSlowlyAt, portalOnWatchedBucket, type WatchedBucket } from '../support/listeningWire';

// 20 minutes of 8 kHz WAV: 19 MB, five listening slices, and large enough by the rule to get a phone copy.
const AUDIO = demoAudio(20 * 60, 8_000);

let portal: TestPortal;
let bucket: WatchedBucket;
let origin: string;
let closePortal: () => Promise<void>;
beforeAll(async () => {
  ({ portal, bucket, origin, close: closePortal } = await portalOnWatchedBucket());
});
afterAll(() => closePortal());

async function signedIn(audio = AUDIO) {
  const recording = await portal.recordingWithLink(audio);
  const browser = new ClaimantBrowser(portal.app);
  expect((await browser.enterNino(recording.path, CLAIMANT.nino)).status).toBe(303);
  return { ...recording, browser };
}

const playerAddress = (page: string) => page.match(/<audio[^>]*src="([^"]+)"/)![1];

/** A plain GET with no Range, as WebKit's player first sends. */
const readSlowly = (address: string, cookie: string, pauseAt: number, whilePaused: () => Promise<unknown>) => readSlowlyAt(`${origin}${address}`, { cookie }, pauseAt, whilePaused);

describe('a page keeps the file its player started with', () => {
  test('a listening copy finished mid-listen does not change the bytes at the address the page plays; the next page load plays the copy', async () => {
    const { path: linkPath, browser } = await signedIn();
    const address = playerAddress((await browser.get(linkPath)).text);
    expect(address).toBe(`${linkPath}/listen/original`);
    const start = await browser.getBytes(address, { Range: 'bytes=0-' });
    expect(start.status).toBe(206);
    const etag = start.headers.etag;
    // Not made yet: an address naming the copy is a clear "not found", not a 500 nor the original.
    const early = await browser.get(`${linkPath}/listen/copy`);
    expect(early.status).toBe(404);
    expect(early.headers['content-type']).toMatch(/^text\/html/);

    expect((await portal.services.listeningCopies.runOnce()).made).toBeGreaterThanOrEqual(1);

    // Seeking to 15:00 of 20:00 on the open page: the original's bytes, under the ETag it started with.
    const seekTo = Math.floor(AUDIO.length * 0.75);
    const seek = await browser.getBytes(address, { Range: `bytes=${seekTo}-` });
    expect(seek.status).toBe(206);
    expect(seek.headers['content-range']).toBe(`bytes ${seekTo}-${AUDIO.length - 1}/${AUDIO.length}`);
    expect(seek.headers.etag).toBe(etag);
    expect(seek.bytes.equals(AUDIO.subarray(seekTo))).toBe(true);

    const reloaded = (await browser.get(linkPath)).text;
    expect(playerAddress(reloaded)).toBe(`${linkPath}/listen/copy`);
    // Links that open the audio on its own (no player, or a transcript time) name no file: they get the one offered when followed.
    expect(reloaded).toContain(`href="${linkPath}/listen"`);
    const copy = await browser.getBytes(`${linkPath}/listen/copy`, { Range: 'bytes=0-' });
    expect(copy.status).toBe(206);
    expect(copy.headers['content-type']).toBe('audio/mp4');
    expect(copy.headers.etag).not.toBe(etag);
    // The address from before files were named answers with what the page offers now.
    const unnamed = await browser.getBytes(`${linkPath}/listen`, { Range: 'bytes=0-99' });
    expect(unnamed.headers.etag).toBe(copy.headers.etag);
    // A name that is neither file is not found either, and none of these is a 500.
    for (const name of ['copies', 'ORIGINAL', 'x'.repeat(300), '..%2Fdownload']) expect((await browser.get(`${linkPath}/listen/${name}`)).status).toBe(404);
    // The request log names the address by its shape, never by the token.
    expect(portal.logLines.some((line) => line.includes('"path":"/r/:token/listen/:file"'))).toBe(true);
  }, 120_000);
});

describe('a download resumes the file it started with', () => {
  test('resumed while the phone copy is being made and after it is made, a download of the original goes on with the original', async () => {
    const { path: linkPath, browser, recordingId } = await signedIn();
    const pressed = await browser.post(`${linkPath}/download`, { grant: grantOf(await browser.get(linkPath)) });
    const ticketAddress = pressed.headers.location;
    const MiB = 1024 * 1024;
    const first = await browser.getBytes(ticketAddress, { Range: `bytes=0-${MiB - 1}` });
    expect(first.status).toBe(206);
    const etag = first.headers.etag;

    const making = portal.services.listeningCopies.runOnce();
    // Resumed while the copy is being made (the job holds its claim until the copy is stored).
    const status = async () => (await portal.recordings.findRecording(recordingId))!.listening_status;
    for (let waited = 0; (await status()) !== 'making' && waited < 500; waited++) await new Promise((resolve) => setTimeout(resolve, 20));
    const during = await browser.getBytes(ticketAddress, { Range: `bytes=${MiB}-${2 * MiB - 1}`, 'If-Range': etag });
    expect(await status()).toBe('making');
    expect((await making).made).toBe(1);

    const after = await browser.getBytes(ticketAddress, { Range: `bytes=${2 * MiB}-`, 'If-Range': etag });
    for (const part of [during, after]) expect(part).toMatchObject({ status: 206, headers: expect.objectContaining({ 'content-type': 'audio/wav', etag }) });
    expect(after.headers['content-range']).toBe(`bytes ${2 * MiB}-${AUDIO.length - 1}/${AUDIO.length}`);
    expect(sha256(Buffer.concat([first.bytes, during.bytes, after.bytes]))).toBe(sha256(AUDIO));
    // A 20-minute encode by ffmpeg beside the download: over 30 s on a machine at a load of 20.
  }, 120_000);
});

describe('an answer without Range stops within a slice of the listener losing the right to it', () => {
  test('asked to be deleted 1 MB into a whole-file answer, the connection ends within a slice and the rest never arrives', async () => {
    const { path: linkPath, browser, recordingId } = await signedIn();
    const address = `${linkPath}/listen/original`;
    let readsAtDeletion = 0;
    const answer = await readSlowly(address, browser.cookieHeader(address), 1024 * 1024, async () => {
      await portal.retention.requestDeletion(recordingId, 'claimant asked', portal.clock(), 'staff-1');
      readsAtDeletion = bucket.reads.length;
    });
    // Correct HTTP for a request without Range: the whole file is promised...
    expect(answer.status).toBe(200);
    expect(answer.headers['content-length']).toBe(String(AUDIO.length));
    // ...and the promise is broken on purpose: at most one more slice was read from the bucket after the request.
    expect(answer.complete).toBe(false);
    expect(answer.received).toBeLessThan(AUDIO.length);
    expect(bucket.reads.length - readsAtDeletion).toBeLessThanOrEqual(1);
    expect(answer.received).toBeLessThanOrEqual(bucket.reads.length * LISTEN_SLICE_BYTES);
  });

  test('a session that ends, or a link replaced, mid-answer ends the answer the same way', async () => {
    const ended = await signedIn();
    const address = `${ended.path}/listen/original`;
    const afterSession = await readSlowly(address, ended.browser.cookieHeader(address), 1024 * 1024, async () => {
      portal.clock.advance(21 * 60 * SECOND);
    });
    expect(afterSession.complete).toBe(false);
    expect(afterSession.received).toBeLessThan(AUDIO.length);

    const replaced = await signedIn();
    const replacedAddress = `${replaced.path}/listen/original`;
    const afterReissue = await readSlowly(replacedAddress, replaced.browser.cookieHeader(replacedAddress), 1024 * 1024, async () => {
      await portal.sendLink(replaced.recordingId);
    });
    expect(afterReissue.complete).toBe(false);
    expect(afterReissue.received).toBeLessThan(AUDIO.length);
    // Nothing was wrong with the bucket: neither stop is logged as a failure of it.
    expect(portal.logLines.filter((line) => line.includes('the bucket stopped sending'))).toEqual([]);
  });

  test("a download's first transfer, without Range, also stops within a slice of the recording being asked to be deleted", async () => {
    const { path: linkPath, browser, recordingId } = await signedIn();
    const pressed = await browser.post(`${linkPath}/download`, { grant: grantOf(await browser.get(linkPath)) });
    const ticketAddress = pressed.headers.location;
    const answer = await readSlowly(ticketAddress, '', 1024 * 1024, () => portal.retention.requestDeletion(recordingId, 'claimant asked', portal.clock(), 'staff-1'));
    expect(answer.status).toBe(200);
    expect(answer.complete).toBe(false);
    expect(answer.received).toBeLessThan(AUDIO.length);
  });

  test('a whole answer still arrives whole, slice by slice, when nothing changes; a bucket that stops mid-slice cuts only that answer', async () => {
    const { path: linkPath, browser } = await signedIn();
    const address = `${linkPath}/listen/original`;
    const readsBefore = bucket.reads.length;
    const whole = await browser.getBytes(address);
    expect(whole.status).toBe(200);
    expect(sha256(whole.bytes)).toBe(sha256(AUDIO));
    expect(bucket.reads.length - readsBefore).toBe(Math.ceil(AUDIO.length / LISTEN_SLICE_BYTES));

    bucket.cutNextRead();
    const cut = await readSlowly(address, browser.cookieHeader(address), 0, async () => {});
    expect(cut).toMatchObject({ status: 200, complete: false });
    expect(cut.received).toBeLessThan(LISTEN_SLICE_BYTES);
    expect(portal.logLines.some((line) => line.includes('the bucket stopped sending audio mid-transfer'))).toBe(true);

    // A listener who goes mid-answer: the portal stops reading for them and answers the next request.
    const gone = await new Promise<number>((resolve, reject) => {
      const request = http.get(`${origin}${address}`, { headers: { cookie: browser.cookieHeader(address) }, agent: false }, (response) => {
        response.once('data', () => {
          request.destroy();
          resolve(bucket.reads.length);
        });
      });
      // The socket hang-up this listener causes is theirs, not the test's.
      request.on('error', () => undefined);
      request.setTimeout(20_000, () => reject(new Error('no body arrived')));
    });
    const again = await browser.getBytes(address, { Range: 'bytes=0-99' });
    expect(again.status).toBe(206);
    expect(again.bytes.equals(AUDIO.subarray(0, 100))).toBe(true);
    expect(bucket.reads.length - gone).toBeLessThanOrEqual(2);
  });
});
