/**
 * "A thousand phones": 1,000 players on one portal, each reading its recording at 64 kbit/s as a phone
 * on a poor signal does, seeking now and then, a fifth of them paused for minutes; then 100 downloads
 * of the hour-long WAV (115 MB) at a phone's download rate. The portal's CPU (as a share of one core),
 * its RSS, and whether any player waited for its next slice longer than its buffer lasted.
 *
 * A player buffers up to AHEAD_SECONDS of audio ahead of what it plays (as media elements do), reading
 * at its link's rate until then and as fast as it plays after; it starts playing, and plays again after
 * a seek, once START_SECONDS are in. An answer (one 4 MiB slice) read to its end is followed at once by
 * a request for the next; the time that request takes to bring its first byte is held against the
 * seconds of audio still buffered. A paused player stops reading; its answer stays open, and the
 * portal may cut it (the bucket's read stalls): then it asks again when it plays on, with its buffer.
 */
import { setMaxListeners } from 'node:events';
import { percentile, read, seeded, Tally, type Answer } from './benchReader';
import { downloadThroughPortal } from './benchBytes';
import { cpuMicros, loadAverage, QUICK, type Figure, type Target } from './benchHarness';

const PHONES = Number(process.env.BENCH_PHONES ?? 1_000);
/** 64 kbit/s: what each player reads on average, and the audio's own rate. */
const BYTES_PER_SECOND = 8_000;
/** What a phone's link carries when its player is filling its buffer (1 Mbit/s). */
const LINK_BYTES_PER_SECOND = 125_000;
const AHEAD_SECONDS = 30;
const START_SECONDS = 2;
const TICK_MS = 250;
const RUN_SECONDS = QUICK ? 60 : 180;
const STAGGER_SECONDS = QUICK ? 10 : 20;
const PAUSED_SHARE = 0.2;
const PAUSE_SECONDS: [number, number] = QUICK ? [25, 35] : [60, 120];
/** Each player seeks about once in this many seconds. */
const SEEK_EVERY_SECONDS = 120;

interface PhoneCounts {
  /** Times a playing player ran out of audio (a seek's own start is not counted). */
  stalls: number;
  stallMs: number[];
  /** For each request that continued playback (next slice, or after a pause): wait and buffer then. */
  nextWaitMs: number[];
  /** Requests whose first byte came later than the buffer lasted. */
  waitedPastBuffer: number;
  seekWaitMs: number[];
  seeks: number;
  startWaitMs: number[];
  /** Answers the portal cut while their player was paused (asked again on playing on). */
  cutWhilePaused: number;
  failures: Record<string, number>;
}

/** One player's life: a loop of requests, a ticker that plays, pauses, seeks and paces the reading. */
async function phone(index: number, url: string, headers: Record<string, string>, size: number, tally: Tally, counts: PhoneCounts, stop: AbortSignal): Promise<void> {
  const random = seeded(index + 1);
  await new Promise((resolve) => setTimeout(resolve, random() * STAGGER_SECONDS * 1000));
  const pauseAt = random() < PAUSED_SHARE ? performance.now() + (STAGGER_SECONDS + random() * (RUN_SECONDS - STAGGER_SECONDS - PAUSE_SECONDS[1])) * 1000 : Infinity;
  const pauseFor = (PAUSE_SECONDS[0] + random() * (PAUSE_SECONDS[1] - PAUSE_SECONDS[0])) * 1000;
  let position = Math.floor(random() * size);
  let buffered = 0;
  let playing = false;
  let paused = false;
  let pausedDuring = false;
  let stalledSince: number | undefined;
  let startedWaiting = performance.now();
  let waitKind: 'start' | 'seek' | undefined = 'start';
  let allowance = 0;
  let response: import('node:http').IncomingMessage | undefined;
  let current: AbortController | undefined;
  const wantsBytes = () => !paused && buffered < AHEAD_SECONDS * BYTES_PER_SECOND && allowance > 0;
  const gotBytes = (n: number) => {
    buffered += n;
    position += n;
    allowance -= n;
    if (!playing && !paused && buffered >= START_SECONDS * BYTES_PER_SECOND) {
      playing = true;
      const waited = performance.now() - startedWaiting;
      if (waitKind === 'seek') counts.seekWaitMs.push(waited);
      if (waitKind === 'start') counts.startWaitMs.push(waited);
      if (waitKind === undefined && stalledSince !== undefined) counts.stallMs.push(performance.now() - stalledSince);
      waitKind = undefined;
      stalledSince = undefined;
    }
  };
  const ticker = setInterval(() => {
    const now = performance.now();
    if (!paused && now >= pauseAt && now < pauseAt + pauseFor) {
      paused = true;
      pausedDuring = true;
      playing = false;
    } else if (paused && now >= pauseAt + pauseFor) {
      paused = false;
      playing = buffered > 0;
    } else if (!paused && playing && random() < TICK_MS / 1000 / SEEK_EVERY_SECONDS) {
      counts.seeks++;
      position = Math.floor(random() * size);
      buffered = 0;
      playing = false;
      waitKind = 'seek';
      startedWaiting = now;
      current?.abort();
    }
    if (playing) {
      buffered -= (BYTES_PER_SECOND * TICK_MS) / 1000;
      if (buffered <= 0) {
        buffered = 0;
        playing = false;
        counts.stalls++;
        stalledSince = now;
        startedWaiting = now;
      }
    }
    allowance = (LINK_BYTES_PER_SECOND * TICK_MS) / 1000;
    if (response?.isPaused() && wantsBytes()) response.resume();
  }, TICK_MS);
  try {
    while (!stop.aborted) {
      if (position >= size) position = 0;
      current = new AbortController();
      const cut = AbortSignal.any([stop, current.signal]);
      const asked = performance.now();
      const bufferMs = (buffered / BYTES_PER_SECOND) * 1000;
      const continuing = waitKind === undefined;
      pausedDuring = paused;
      const answer: Answer = await read(
        url,
        tally,
        {
          headers: { ...headers, range: `bytes=${position}-` },
          expectStatus: 206,
          onFirstByte: () => {
            if (!continuing) return;
            const waited = performance.now() - asked;
            counts.nextWaitMs.push(waited);
            if (waited > bufferMs) counts.waitedPastBuffer++;
          },
          onData: (chunk, res) => {
            response = res;
            gotBytes(chunk.length);
            if (!wantsBytes()) res.pause();
          },
        },
        cut,
      );
      response = undefined;
      if (stop.aborted || current.signal.aborted) continue;
      if (answer.failure && pausedDuring) counts.cutWhilePaused++;
      else if (answer.failure) counts.failures[answer.failure] = (counts.failures[answer.failure] ?? 0) + 1;
      // Paused, a player asks again only when it plays on.
      while (paused && !stop.aborted) await new Promise((resolve) => setTimeout(resolve, TICK_MS));
    }
  } finally {
    clearInterval(ticker);
  }
}

/** CPU (share of one core) and peak RSS of `portal` while `run` runs, measured after the players' staggered start. */
async function measured(portal: Target, bucket: Target | undefined, run: (stop: AbortSignal) => Promise<void>, seconds: number) {
  const stop = new AbortController();
  setMaxListeners(Infinity, stop.signal);
  const running = run(stop.signal);
  await new Promise((resolve) => setTimeout(resolve, STAGGER_SECONDS * 1000));
  portal.resetPeakRss();
  const loadBefore = loadAverage();
  const cpuBefore = cpuMicros(portal.child.pid!);
  const bucketBefore = bucket ? cpuMicros(bucket.child.pid!) : 0;
  const started = performance.now();
  const benchBefore = process.cpuUsage();
  await new Promise((resolve) => setTimeout(resolve, (seconds - STAGGER_SECONDS) / 2 * 1000));
  const memory = await portal.memoryMb();
  await new Promise((resolve) => setTimeout(resolve, (seconds - STAGGER_SECONDS) / 2 * 1000));
  const elapsedUs = (performance.now() - started) * 1000;
  const benchUsed = process.cpuUsage(benchBefore);
  // The players all run in this process: if it had no core to spare, their waits are partly its own.
  const clientCores = (benchUsed.user + benchUsed.system) / elapsedUs;
  const cores = (cpuMicros(portal.child.pid!) - cpuBefore) / elapsedUs;
  const bucketCores = bucket ? (cpuMicros(bucket.child.pid!) - bucketBefore) / elapsedUs : Number.NaN;
  const peakRss = portal.peakRssMb();
  const load: [number, number] = [loadBefore, loadAverage()];
  stop.abort();
  await running;
  return { cores, bucketCores, clientCores, peakRss, load, seconds: elapsedUs / 1e6, heapUsedMb: memory.heapUsed, externalMb: memory.external, arrayBuffersMb: memory.arrayBuffers };
}

const emptyCounts = (): PhoneCounts => ({ stalls: 0, stallMs: [], nextWaitMs: [], waitedPastBuffer: 0, seekWaitMs: [], seeks: 0, startWaitMs: [], cutWhilePaused: 0, failures: {} });

export async function thousandPhones(portal: Target, bucket: Target | undefined): Promise<Figure[]> {
  const size = Number(portal.info.sizeBytes);
  const url = `http://127.0.0.1:${portal.port}${portal.info.path}/listen`;
  const counts = emptyCounts();
  const tally = new Tally();
  const result = await measured(
    portal,
    bucket,
    (stop) => Promise.all(Array.from({ length: PHONES }, (_, i) => phone(i, url, { cookie: portal.info.cookie }, size, tally, counts, stop))).then(() => undefined),
    RUN_SECONDS,
  );
  const failures = Object.values(counts.failures).reduce((a, b) => a + b, 0);
  const notes = {
    peakRssMb: result.peakRss,
    bucketCores: result.bucketCores,
    clientCores: result.clientCores,
    heapUsedMb: result.heapUsedMb,
    arrayBuffersMb: result.arrayBuffersMb,
    stalls: counts.stalls,
    waitedPastBuffer: counts.waitedPastBuffer,
    nextSliceRequests: counts.nextWaitMs.length,
    nextSliceWaitP99Ms: percentile(counts.nextWaitMs, 99),
    nextSliceWaitMaxMs: Math.max(0, ...counts.nextWaitMs),
    startWaitP99Ms: percentile(counts.startWaitMs, 99),
    seeks: counts.seeks,
    seekWaitP99Ms: percentile(counts.seekWaitMs, 99),
    cutWhilePaused: counts.cutWhilePaused,
    failures,
    ...Object.fromEntries(Object.entries(counts.failures).map(([kind, n]) => [`failed (${kind})`, n])),
    deliveredMBps: tally.bytes / 1e6 / RUN_SECONDS,
  };
  return [
    {
      name: `${PHONES.toLocaleString('en-GB')} phones listening at 64 kbit/s on one instance (seeking; a fifth paused ${PAUSE_SECONDS[0]}-${PAUSE_SECONDS[1]} s): portal CPU`,
      value: result.cores,
      unit: 'cores',
      baseline: 0.25,
      baselineName: 'the goal',
      ratio: result.cores / 0.25,
      goal: '< 0.25 core, RSS < 300 MB, no player waits past its buffer, no failures',
      met: result.cores < 0.25 && result.peakRss < 300 && counts.waitedPastBuffer === 0 && counts.stalls === 0 && failures === 0,
      load: result.load,
      notes,
    },
  ];
}

const DOWNLOADS = 100;
/** A phone's download on a weak 4G signal: 2 Mbit/s. */
const DOWNLOAD_BYTES_PER_SECOND = Number(process.env.BENCH_DOWNLOAD_KBPS ?? 2_000) * 125;

/** 100 downloads of the hour-long WAV at once, each read at a phone's rate; the longest gap between bytes. */
export async function hundredDownloads(portal: Target, bucket: Target | undefined): Promise<Figure> {
  const grants = await portal.grants(DOWNLOADS * 2);
  const next = downloadThroughPortal(portal, grants);
  const tally = new Tally();
  const gaps: number[] = [];
  const failures: Record<string, number> = {};
  const downloader = async (stop: AbortSignal, index: number) => {
    await new Promise((resolve) => setTimeout(resolve, seeded(index + 7)() * STAGGER_SECONDS * 1000));
    while (!stop.aborted) {
      const { url, ...options } = await next(index, Math.random);
      let last = performance.now();
      let allowance = DOWNLOAD_BYTES_PER_SECOND / 4;
      let response: import('node:http').IncomingMessage | undefined;
      const ticker = setInterval(() => {
        allowance = DOWNLOAD_BYTES_PER_SECOND / 4;
        response?.resume();
      }, 250);
      const answer = await read(url, tally, {
        ...options,
        onData: (chunk, res) => {
          const now = performance.now();
          gaps.push(now - last);
          last = now;
          response = res;
          allowance -= chunk.length;
          if (allowance <= 0) res.pause();
        },
      }, stop);
      clearInterval(ticker);
      if (answer.failure && !stop.aborted) failures[answer.failure] = (failures[answer.failure] ?? 0) + 1;
    }
  };
  const result = await measured(portal, bucket, (stop) => Promise.all(Array.from({ length: DOWNLOADS }, (_, i) => downloader(stop, i))).then(() => undefined), RUN_SECONDS);
  const failed = Object.values(failures).reduce((a, b) => a + b, 0);
  // Pauses of the reader's own pacing (a quarter second) are not the portal's; longer ones are.
  const longestGap = Math.max(0, ...gaps);
  return {
    name: `${DOWNLOADS} downloads of a ${(Number(portal.info.sizeBytes) / 1e6).toFixed(0)} MB WAV at once, ${DOWNLOAD_BYTES_PER_SECOND / 125} kbit/s each: portal CPU`,
    value: result.cores,
    unit: 'cores',
    baseline: 0.25,
    baselineName: 'the goal',
    ratio: result.cores / 0.25,
    goal: '< 0.25 core, RSS < 300 MB, no gap over 5 s, no failures',
    met: result.cores < 0.25 && result.peakRss < 300 && longestGap < 5_000 && failed === 0,
    load: result.load,
    notes: {
      peakRssMb: result.peakRss,
      bucketCores: result.bucketCores,
      clientCores: result.clientCores,
      heapUsedMb: result.heapUsedMb,
      arrayBuffersMb: result.arrayBuffersMb,
      longestGapMs: longestGap,
      gapP99Ms: percentile(gaps, 99.9),
      deliveredMBps: tally.bytes / 1e6 / RUN_SECONDS,
      failures: failed,
      ...Object.fromEntries(Object.entries(failures).map(([kind, n]) => [`failed (${kind})`, n])),
    },
  };
}
