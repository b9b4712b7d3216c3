/**
 * The byte-path figures of `npm run bench`: every byte a claimant hears or saves passes through the
 * portal, so its CPU per MB and the rate it passes them at are held to two baselines measured in the
 * same run, from the same bucket, with the same readers reading the same offsets:
 *
 *   direct  the readers GET the slices from the bucket themselves (a presigned URL);
 *   pipe    a plain Node server GETs each from the bucket and pipes it on (benchTarget's `pipe`);
 *   portal  `/r/<token>/listen` (session checked, one 4 MiB slice an answer) and the download
 *           address (download button, then the file to its end, read slice by slice).
 *
 * Readers read every answer to its end; bytes are counted as they arrive, inside a fixed window, and
 * answers still open when it closes are cut without counting as failures (scripts/benchReader.ts).
 */
import { setMaxListeners } from 'node:events';
import { LISTEN_SLICE_BYTES } from '../server/routes/claimant';
import { percentile, read, seeded, Tally, type ReadOptions } from './benchReader';
import { cpuMicros, LOAD_SECONDS, loadAverage, startTarget, type Figure, type Target } from './benchHarness';

export const PLAYERS = 100;

/** What one window of readers against one process gave. */
export interface Window {
  tally: Tally;
  seconds: number;
  /** CPU time the process serving them used in the window (µs). */
  cpuUs: number;
  megabytesPerSecond: number;
  cpuMsPerMB: number;
}

export type NextRead = (reader: number, random: () => number) => Promise<{ url: string } & ReadOptions>;

/** `readers` loops, each asking `next` what to read and reading it to its end, for `seconds`. */
export async function readersFor(serving: Target[], readers: number, seconds: number, next: NextRead, seed: number): Promise<Window> {
  const tally = new Tally();
  const cut = new AbortController();
  setMaxListeners(Infinity, cut.signal);
  const loops = Array.from({ length: readers }, async (_, reader) => {
    const random = seeded(seed * 7919 + reader + 1);
    while (!cut.signal.aborted) {
      const { url, ...options } = await next(reader, random);
      if (cut.signal.aborted) return;
      await read(url, tally, options, cut.signal);
    }
  });
  const cpuBefore = serving.map((target) => cpuMicros(target.child.pid!));
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  tally.open = false;
  const elapsed = (performance.now() - started) / 1000;
  const cpuUs = serving.reduce((sum, target, i) => sum + cpuMicros(target.child.pid!) - cpuBefore[i], 0);
  cut.abort();
  await Promise.all(loops);
  const megabytes = tally.bytes / 1e6;
  return { tally, seconds: elapsed, cpuUs, megabytesPerSecond: megabytes / elapsed, cpuMsPerMB: cpuUs / 1000 / megabytes };
}

/** A slice-sized range at a random offset of an object of `size` bytes. */
export function sliceAt(random: () => number, size: number): { start: number; end: number } {
  const start = Math.floor(random() * (size - 1));
  return { start, end: Math.min(size - 1, start + LISTEN_SLICE_BYTES - 1) };
}

const sumOf = (windows: Window[], pick: (w: Window) => number) => windows.reduce((sum, w) => sum + pick(w), 0);
const rateOf = (windows: Window[]) => sumOf(windows, (w) => w.tally.bytes) / 1e6 / sumOf(windows, (w) => w.seconds);
const cpuPerMBOf = (windows: Window[]) => sumOf(windows, (w) => w.cpuUs) / 1000 / (sumOf(windows, (w) => w.tally.bytes) / 1e6);
const failuresOf = (windows: Window[]) => sumOf(windows, (w) => w.tally.failures);
const kindsOf = (windows: Window[]) => {
  const kinds: Record<string, number> = {};
  for (const w of windows) for (const [kind, n] of Object.entries(w.tally.failureKinds)) kinds[kind] = (kinds[kind] ?? 0) + n;
  return kinds;
};

/** Printed beside a figure: which failures there were, as notes take numbers. */
const failureNotes = (prefix: string, kinds: Record<string, number>) => Object.fromEntries(Object.entries(kinds).map(([kind, n]) => [`${prefix} failed (${kind})`, n]));

/**
 * 100 players reading 4 MiB slices at random offsets through `/listen`, against the same through the
 * pipe and straight from the bucket; then 100 downloads through the download address against the
 * whole object through the pipe. Alternated, twice each, so all see the same machine.
 */
export async function bytePath(portal: Target): Promise<Figure[]> {
  const size = Number(portal.info.sizeBytes);
  const bucketUrl = await portal.bucketUrl();
  const pipe = await startTarget('pipe', { BENCH_PIPE_URL: bucketUrl });
  try {
    const pipeUrl = `http://127.0.0.1:${pipe.port}/object`;
    const origin = `http://127.0.0.1:${portal.port}`;
    const listenUrl = `${origin}${portal.info.path}/listen`;
    const ranged = (url: string): NextRead => async (_, random) => {
      const { start, end } = sliceAt(random, size);
      return { url, headers: { range: `bytes=${start}-${end}` }, expectStatus: 206 };
    };
    const throughPortal: NextRead = async (_, random) => {
      const { start } = sliceAt(random, size);
      return { url: listenUrl, headers: { cookie: portal.info.cookie, range: `bytes=${start}-` }, expectStatus: 206 };
    };
    const grants: string[] = [];
    const download = downloadThroughPortal(portal, grants);
    const seconds = LOAD_SECONDS;
    await readersFor([portal], PLAYERS, 2, throughPortal, 99);
    const runs = { direct: [] as Window[], pipe: [] as Window[], listen: [] as Window[], pipeWhole: [] as Window[], download: [] as Window[] };
    const loadBefore = loadAverage();
    for (let round = 0; round < 2; round++) {
      runs.direct.push(await readersFor([], PLAYERS, seconds, ranged(bucketUrl), round));
      runs.pipe.push(await readersFor([pipe], PLAYERS, seconds, ranged(pipeUrl), round));
      runs.listen.push(await readersFor([portal], PLAYERS, seconds, throughPortal, round));
      runs.pipeWhole.push(await readersFor([pipe], PLAYERS, seconds, async () => ({ url: pipeUrl, expectStatus: 200 }), round));
      grants.push(...(await portal.grants(PLAYERS * 4)));
      runs.download.push(await readersFor([portal], PLAYERS, seconds, download, round));
    }
    const load: [number, number] = [loadBefore, loadAverage()];
    const listenFailures = failuresOf(runs.listen) + failuresOf(runs.direct);
    return [
      {
        name: `Listening, ${PLAYERS} players through /listen (open ranges from random offsets, each answer read to the end of the file or of the window)`,
        value: rateOf(runs.listen),
        unit: 'MB/s',
        baseline: rateOf(runs.direct),
        baselineName: `${PLAYERS} readers of the same slices straight from the bucket`,
        ratio: rateOf(runs.listen) / rateOf(runs.direct),
        goal: '>= 0.95, no failed slices',
        met: rateOf(runs.listen) / rateOf(runs.direct) >= 0.95 && listenFailures === 0,
        load,
        notes: {
          answersEnded: sumOf(runs.listen, (w) => w.tally.answers),
          firstByteP99Ms: percentile(runs.listen.flatMap((w) => w.tally.firstByteMs), 99),
          bucketSliceP99Ms: percentile(runs.direct.flatMap((w) => w.tally.answerMs), 99),
          pipeMBps: rateOf(runs.pipe),
          // What any process passing the bytes on reaches here: it takes its cores from the readers and the bucket.
          pipeToDirect: rateOf(runs.pipe) / rateOf(runs.direct),
          portalToPipe: rateOf(runs.listen) / rateOf(runs.pipe),
          ...failureNotes('portal', kindsOf(runs.listen)),
          ...failureNotes('bucket', kindsOf(runs.direct)),
        },
      },
      cpuPerMB('/listen', runs.listen, runs.pipe, load),
      cpuPerMB('the download address', runs.download, runs.pipeWhole, load),
    ];
  } finally {
    await pipe.stop();
  }
}

function cpuPerMB(through: string, portal: Window[], pipe: Window[], load: [number, number]): Figure {
  const measured = cpuPerMBOf(portal);
  const baseline = cpuPerMBOf(pipe);
  const failures = failuresOf(portal) + failuresOf(pipe);
  return {
    name: `Portal CPU per MB through ${through}, ${PLAYERS} readers`,
    value: measured,
    unit: 'ms/MB',
    baseline,
    baselineName: 'a plain Node pipe of the same bytes from the same bucket',
    ratio: measured / baseline,
    goal: '<= 1.5, no failures',
    met: measured / baseline <= 1.5 && failures === 0,
    load,
    notes: { portalMBps: rateOf(portal), pipeMBps: rateOf(pipe), ...failureNotes('portal', kindsOf(portal)), ...failureNotes('pipe', kindsOf(pipe)) },
  };
}

/** Each read: the download button with a fresh grant (303 to a ticket), then the file to its end. */
export function downloadThroughPortal(portal: Target, grants: string[]): NextRead {
  const origin = `http://127.0.0.1:${portal.port}`;
  const tally = new Tally();
  return async () => {
    const grant = grants.pop();
    if (!grant) throw new Error('bench: out of download grants');
    const pressed = await read(`${origin}${portal.info.path}/download`, tally, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: portal.info.cookie },
      body: `grant=${encodeURIComponent(grant)}`,
      expectStatus: 303,
    });
    if (!pressed.ok) throw new Error(`bench: the download button answered ${pressed.status}`);
    return { url: `${origin}${pressed.headers.location}`, expectStatus: 200 };
  };
}
