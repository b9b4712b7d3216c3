/**
 * What every figure of `npm run bench` is measured with: the processes under load (scripts/benchTarget.ts,
 * built to dist/ and run with plain node, as the container runs the portal), autocannon, and the CPU
 * time each loaded process used.
 */
import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import argon2 from 'argon2';
import autocannon from 'autocannon';

/**
 * `BENCH_PROFILE=quick` (or the older `BENCH_QUICK=1`): shorter runs and smaller tables, for working on
 * a figure; `full` (the default) for the figures README quotes.
 */
export const PROFILE = process.env.BENCH_PROFILE ?? (process.env.BENCH_QUICK === '1' ? 'quick' : 'full');
if (PROFILE !== 'quick' && PROFILE !== 'full') throw new Error(`BENCH_PROFILE must be quick or full, not ${PROFILE}`);
export const QUICK = PROFILE === 'quick';
/** Seconds each HTTP load runs. */
export const LOAD_SECONDS = Number(process.env.BENCH_SECONDS ?? (QUICK ? 3 : 10));
export const CORES = availableParallelism();

export interface Figure {
  name: string;
  value: number;
  unit: string;
  baseline: number;
  baselineName: string;
  ratio: number;
  goal: string;
  met: boolean;
  notes?: Record<string, number>;
  /** The machine's 1-minute load average when the figure's measurement began and ended. */
  load?: [number, number];
}

/** The machine's 1-minute load average: on a shared machine, what every figure must be read beside. */
export const loadAverage = (): number => loadavg()[0];

export interface Target {
  child: ChildProcess;
  port: number;
  info: Record<string, string>;
  grants(count: number): Promise<string[]>;
  /** A presigned URL of the portal's recording in the bucket. */
  bucketUrl(): Promise<string>;
  /** The portal's process.memoryUsage(), in MB. */
  memoryMb(): Promise<Record<string, number>>;
  resetPeakRss(): void;
  /** VmRSS: the resident memory the process holds now. */
  rssMb(): number;
  /** VmHWM: the most resident memory the process has held so far. */
  peakRssMb(): number;
  stop(): Promise<void>;
}

const PROJECT_ROOT = path.join(__dirname, '..');
let built = false;

/**
 * Compiles server/ and the bench target to dist/ once per run (`BENCH_SKIP_BUILD=1` uses the dist/ there
 * is, for repeated runs while working on the bench itself).
 */
function buildOnce() {
  if (built) return;
  if (process.env.BENCH_SKIP_BUILD === '1' && existsSync(path.join(PROJECT_ROOT, 'dist/scripts/benchTarget.js'))) {
    built = true;
    return;
  }
  execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  built = true;
}

/**
 * The process settings the container gives the portal (the runtime stage's ENV in infra/Dockerfile):
 * heap and allocator limits, which the portal and the baseline run with here too.
 */
function containerProcessSettings(): Record<string, string> {
  const dockerfile = readFileSync(path.join(PROJECT_ROOT, 'infra/Dockerfile'), 'utf8');
  const runtimeStage = dockerfile.slice(dockerfile.search(/^FROM .* AS runtime$/m));
  const settings: Record<string, string> = {};
  for (const [, line] of runtimeStage.matchAll(/^ENV (.+)$/gm)) {
    for (const [, name, value] of line.matchAll(/(\w+)=(\S+)/g)) if (name === 'NODE_OPTIONS' || name.startsWith('MALLOC_')) settings[name] = value;
  }
  return settings;
}

export type TargetMode = 'portal' | 'hello' | 's3' | 'pipe' | 'argon2';

/**
 * A portal, bucket or bare-Express process of its own (dist/scripts/benchTarget.js), so the load
 * generator does not share its event loop. The portal's request logs go to stdout, discarded here
 * unless BENCH_TARGET_LOG=<dir> names a directory to keep each process's log in.
 */
export async function startTarget(mode: TargetMode, env: Record<string, string> = {}): Promise<Target> {
  buildOnce();
  const processSettings = mode === 's3' ? {} : containerProcessSettings();
  // BENCH_CPU_PROF=<dir>: every loaded process writes a V8 CPU profile there when it stops.
  const profileDir = process.env.BENCH_CPU_PROF;
  const logDir = process.env.BENCH_TARGET_LOG;
  const log = logDir ? openSync(path.join(logDir, `${mode}-${Date.now()}.log`), 'w') : 'ignore';
  const child = fork(path.join(PROJECT_ROOT, 'dist/scripts/benchTarget.js'), [mode], {
    execArgv: profileDir && mode !== 's3' ? ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-name', `${mode}-${Date.now()}.cpuprofile`] : [],
    env: { ...process.env, ...processSettings, ...env },
    stdio: ['ignore', log, 'inherit', 'ipc'],
  });
  if (typeof log === 'number') closeSync(log);
  const info = await new Promise<Record<string, string>>((resolve, reject) => {
    child.once('message', (message) => resolve(message as Record<string, string>));
    child.once('exit', (code) => reject(new Error(`bench target ${mode} exited with ${code}`)));
  });
  return {
    child,
    port: Number(info.port),
    info,
    grants: (count) =>
      new Promise((resolve) => {
        child.once('message', (message) => resolve((message as { grants: string[] }).grants));
        child.send({ type: 'grants', count });
      }),
    memoryMb: () =>
      new Promise((resolve) => {
        child.once('message', (message) => resolve(Object.fromEntries(Object.entries((message as { memory: Record<string, number> }).memory).map(([k, v]) => [k, v / 2 ** 20]))));
        child.send({ type: 'memory' });
      }),
    bucketUrl: () =>
      new Promise((resolve) => {
        child.once('message', (message) => resolve((message as { url: string }).url));
        child.send({ type: 'bucket-url' });
      }),
    // Writing 5 to clear_refs sets VmHWM back to the present RSS (Linux), so a peak can be read for one stretch.
    resetPeakRss: () => writeFileSync(`/proc/${child.pid}/clear_refs`, '5'),
    rssMb: () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024,
    peakRssMb: () => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) / 1024,
    // Disconnecting ends the target with process.exit (so a CPU profile is written); a signal if it lingers.
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.removeAllListeners('exit');
        const lingering = setTimeout(() => child.kill('SIGKILL'), 10_000);
        child.once('exit', () => {
          clearTimeout(lingering);
          resolve();
        });
        child.disconnect();
      }),
  };
}

/** The S3-compatible server the portals under load talk to, started once for the run. */
let bucket: Target | undefined;

/** Where the shared bucket listens, once a portal has started it. */
export const bucketEndpoint = (): string => bucket!.info.endpoint;

/** The key pair the shared bucket accepts (generated when it starts). */
export const bucketCredentials = () => ({ accessKeyId: bucket!.info.accessKeyId, secretAccessKey: bucket!.info.secretAccessKey });

/** The shared bucket's process, once a portal has started it (its CPU is reported beside the portal's). */
export const bucketTarget = (): Target | undefined => bucket;

/** Stops the shared bucket at the end of the run. */
export const stopBucket = async () => bucket?.stop();

/** A portal process in its production configuration, over `env`'s database and the shared bucket. */
export async function startPortal(env: Record<string, string> = {}): Promise<Target> {
  bucket ??= await startTarget('s3');
  return startTarget('portal', { BENCH_S3_ENDPOINT: bucket.info.endpoint, BENCH_S3_ACCESS_KEY_ID: bucket.info.accessKeyId, BENCH_S3_SECRET_ACCESS_KEY: bucket.info.secretAccessKey, ...env });
}

/** Clock ticks a second in /proc/<pid>/stat's CPU times. */
const CLOCK_TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));

/** CPU time a process has used so far (user and system, all its threads: GC and libuv too), in µs. */
export function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // After the command name, which is in parentheses and may itself hold spaces or parentheses.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
}

export interface Load {
  rps: number;
  /**
   * The loaded process's CPU time per request. Steadier than requests a second on a shared machine:
   * it does not count the time the process spent waiting for a core.
   */
  cpuUsPerRequest: number;
  p50: number;
  p99: number;
  requests: number;
  /** Answers other than the expected status, errors and timeouts. */
  failures: number;
  unexpectedStatus: number;
  errors: number;
  timeouts: number;
}

/**
 * A short unmeasured run first, so that every process is measured after its code has been compiled
 * and optimised, not while it is being (the first seconds of a fresh portal run at about half speed).
 */
export const WARM_UP_SECONDS = QUICK ? 1 : 3;
export const warmUp = (url: string) => autocannon({ url, connections: 50, duration: WARM_UP_SECONDS });

export async function load(target: Target, options: autocannon.Options, expectedStatus: number): Promise<Load> {
  const cpuBefore = cpuMicros(target.child.pid!);
  const result = await autocannon(options.amount ? options : { duration: LOAD_SECONDS, ...options });
  const cpu = cpuMicros(target.child.pid!) - cpuBefore;
  const statuses = result.statusCodeStats as unknown as Record<string, { count: number }>;
  const unexpected = Object.entries(statuses ?? {}).filter(([code]) => Number(code) !== expectedStatus).reduce((n, [, s]) => n + s.count, 0);
  return {
    // Over the run's own time: the per-second average rounds a fixed-amount run to whole seconds.
    rps: result.requests.total / ((result.finish.getTime() - result.start.getTime()) / 1000),
    cpuUsPerRequest: result.requests.total > 0 ? cpu / result.requests.total : Number.NaN,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    failures: unexpected + result.errors + result.timeouts,
    unexpectedStatus: unexpected,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}

/** argon2id verifications per second with the portal's parameters, one worker thread per core. */
export async function argon2Bound(seconds: number): Promise<number> {
  const pepper = Buffer.alloc(32, 1);
  // The same parameters as server/security/ninoHasher.ts (OWASP's baseline: 19 MiB, 2 passes, 1 lane).
  const hash = await argon2.hash('AB123456C', { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1, secret: pepper });
  const code = `
    const argon2 = require('argon2');
    const { workerData, parentPort } = require('node:worker_threads');
    (async () => {
      const secret = Buffer.from(workerData.pepper, 'base64');
      const end = Date.now() + workerData.ms;
      let n = 0;
      while (Date.now() < end) { await argon2.verify(workerData.hash, 'AB123456C', { secret }); n++; }
      parentPort.postMessage(n);
    })();`;
  const started = performance.now();
  const counts = await Promise.all(
    Array.from({ length: CORES }, () => new Promise<number>((resolve, reject) => {
      const worker = new Worker(code, { eval: true, workerData: { hash, pepper: pepper.toString('base64'), ms: seconds * 1000 } });
      worker.once('message', (n: number) => void worker.terminate().then(() => resolve(n)));
      worker.once('error', reject);
    })),
  );
  return counts.reduce((a, b) => a + b, 0) / ((performance.now() - started) / 1000);
}

