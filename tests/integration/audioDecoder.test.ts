import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDecoder } from '../../server/services/audioDecode';

/** ffmpeg as ingest runs it, and ffmpegs that go wrong in each way a process can. */
const scratch = mkdtempSync(path.join(tmpdir(), 'decoder-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
function fakeFfmpeg(name: string, script: string): string {
  const file = path.join(scratch, name);
  writeFileSync(file, `#!/bin/sh\n${script}\n`);
  chmodSync(file, 0o755);
  return file;
}
const fixture = (extension: string) => readFileSync(path.join(__dirname, '..', 'fixtures', 'audio', `five-seconds.${extension}`));
const MB = Buffer.alloc(1024 * 1024, 0x55);

async function feedAll(decoder: ReturnType<typeof startDecoder>, chunks: Buffer[]) {
  for (const chunk of chunks) await decoder.feed(chunk);
  return decoder.end();
}

test('the real ffmpeg reports how long the audio it decoded plays', async () => {
  const outcome = await feedAll(startDecoder('ffmpeg'), [fixture('ogg')]);
  expect(outcome).toEqual({ decoded: true, seconds: 5, errorLines: 0 });
});

test('an ffmpeg that is not there is "unavailable", not an exception', async () => {
  const outcome = await feedAll(startDecoder(path.join(scratch, 'missing')), [MB, MB]);
  expect(outcome).toMatchObject({ unavailable: expect.stringMatching(/^ffmpeg could not be run: .*ENOENT/) });
});

test('an ffmpeg that exits at once, never reading: feeding 20 MB still finishes (its broken pipe is absorbed), and the file is not decoded', async () => {
  const decoder = startDecoder(fakeFfmpeg('refuses', 'echo "pipe:0: Invalid data found when processing input" >&2; exit 1'));
  const outcome = await feedAll(decoder, Array.from({ length: 20 }, () => MB));
  expect(outcome).toEqual({ decoded: false, problem: 'pipe:0: Invalid data found when processing input' });
});

test('an ffmpeg that closes its input and lives on: writes to the broken pipe are absorbed, and its exit decides', async () => {
  const decoder = startDecoder(fakeFfmpeg('closes-input', 'exec 0<&-; sleep 0.3; echo "gave up" >&2; exit 1'));
  const outcome = await feedAll(decoder, Array.from({ length: 20 }, () => MB));
  expect(outcome).toEqual({ decoded: false, problem: 'gave up' });
});

test('an ffmpeg killed mid-stream is "unavailable" (not the file\'s fault)', async () => {
  const decoder = startDecoder(fakeFfmpeg('killed', 'head -c 1000 > /dev/null; kill -9 $$'));
  expect(await feedAll(decoder, Array.from({ length: 8 }, () => MB))).toEqual({ unavailable: 'ffmpeg was stopped (SIGKILL)' });
});

test('an ffmpeg that prints megabytes of complaints: all are counted, a little is kept, the first line is the problem', async () => {
  const decoder = startDecoder(fakeFfmpeg('noisy', 'cat > /dev/null; yes "Error while decoding stream #0:0" | head -n 200000 >&2; exit 1'));
  expect(await feedAll(decoder, [MB])).toEqual({ decoded: false, problem: 'Error while decoding stream #0:0' });
});

test('aborting stops ffmpeg at once', async () => {
  const decoder = startDecoder(fakeFfmpeg('slow', 'exec sleep 600'));
  await decoder.feed(Buffer.alloc(1024));
  decoder.abort();
  expect(await decoder.result).toEqual({ unavailable: 'ffmpeg was stopped (SIGKILL)' });
});
