import { inParallel } from '../loopback';
import { GARBAGE_PARAM_CASES, GARBAGE_PARAMS, HOSTILE_CASES, type HostileCase, type WalkRequest } from './hostileCases';
import { rawExchange, type ExchangeResult } from './rawExchange';
import { routeKey, type MountedRoute, type MountedRoutes } from './routeWalk';

/** Who calls: nobody, a signed-in claimant, each staff role, a provider's system. */
export interface Caller {
  name: string;
  headers: Array<[string, string]>;
  csrf?: string;
}

/** One route (or static mount) as the walk visits it: its methods and how to fill its path. */
export interface WalkTarget {
  key: string;
  methods: string[];
  /** The path with real values, or undefined when the walk knows none (then only garbage is sent). */
  realPath?: string;
  /** The path with garbage in every parameter, or undefined for a route without parameters. */
  garbagePath?: (garbage: string) => string;
  /** What is missing to fill the path with real values. */
  missing: string[];
}

export interface Finding {
  route: string;
  caller: string;
  variant: 'real' | 'garbage';
  case: string;
  what: string;
}

export interface Bounds {
  /** The largest error answer (4xx) allowed. */
  errorBytes: number;
  /** The largest answer that is neither audio nor an attachment. */
  pageBytes: number;
  /** The largest audio answer that is not a download (the listening slice). */
  audioBytes: number;
  /** The largest attachment (the walk's biggest recording). */
  attachmentBytes: number;
  timeoutMs: number;
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Each `:name` of a pattern, filled by `value(name)`. */
export function fillPattern(pattern: string, value: (name: string) => string | undefined): { path?: string; missing: string[] } {
  const missing: string[] = [];
  const path = pattern.replace(/:(\w+)/g, (_all, name: string) => {
    const filled = value(name);
    if (filled === undefined) missing.push(`:${name}`);
    return filled ?? 'x';
  });
  return { path: missing.length ? undefined : path, missing };
}

export function walkTargets(mounted: MountedRoutes, realValue: (pattern: string, name: string) => string | undefined, regexpSamples: string[]): WalkTarget[] {
  const targets = mounted.routes.map((route: MountedRoute): WalkTarget => {
    if (route.regexp) {
      const sample = regexpSamples.find((path) => path.startsWith(route.mount) && route.regexp!.test(path.slice(route.mount.length)));
      return { key: route.pattern, methods: route.methods, realPath: sample, missing: sample ? [] : ['a path the expression matches'] };
    }
    const real = fillPattern(route.pattern, (name) => realValue(route.pattern, name));
    const hasParams = /:\w+/.test(route.pattern);
    return {
      key: route.pattern,
      methods: route.methods,
      realPath: real.path,
      garbagePath: hasParams ? (garbage) => route.pattern.replace(/:\w+/g, garbage) : undefined,
      missing: real.missing,
    };
  });
  // Static files are only read; anything else mounted at a path may take a body.
  const leaves = mounted.leaves.map((leaf): WalkTarget => ({
    key: `${leaf.mount}/*`,
    methods: leaf.name === 'serveStatic' ? ['GET'] : ['GET', 'POST'],
    realPath: `${leaf.mount}/route-walk-missing.css`,
    garbagePath: (garbage) => `${leaf.mount}/${garbage}`,
    missing: [],
  }));
  return [...targets, ...leaves];
}

function casesFor(method: string, offersRanges: boolean): HostileCase[] {
  return HOSTILE_CASES.filter((c) => c.name !== 'plain' && (c.withBody ? BODY_METHODS.has(method) : true) && (!c.readsOnly || method === 'GET') && (!c.ranges || offersRanges));
}

export function judge(result: ExchangeResult, request: WalkRequest, bounds: Bounds): string | undefined {
  if (result.hung) return `no answer and no close within ${bounds.timeoutMs} ms`;
  if (result.status === undefined) return request.mustAnswer ? 'connection closed without an answer' : undefined;
  // The upload room is full while the walk's own uploads hold its slots: a capacity answer the API
  // documents (503 uploads-busy, Retry-After 10), not a failure.
  const roomFull = result.status === 503 && request.target === '/api/v1/recordings' && result.headers['retry-after'] === '10';
  if (result.status >= 500 && !roomFull) return `answered ${result.status} (${result.headers['content-type'] ?? 'no type'})`;
  const type = result.headers['content-type'] ?? '';
  const attachment = /attachment/i.test(result.headers['content-disposition'] ?? '');
  // A whole-file answer to a player (no usable Range) is the file, read and checked slice by slice
  // (tests/integration/listeningEdges.test.ts); a partial one carries at most a slice.
  const audioLimit = result.status === 206 ? bounds.audioBytes : bounds.attachmentBytes;
  const limit = result.status >= 400 ? bounds.errorBytes : attachment ? bounds.attachmentBytes : /^audio\//.test(type) ? audioLimit : bounds.pageBytes;
  if (result.overflowed || result.bodyBytes > limit) return `answered ${result.status} with ${result.overflowed ? 'more than ' : ''}${result.bodyBytes} bytes of ${type || 'no type'} (bound ${limit})`;
  return undefined;
}

interface Task {
  method: string;
  variant: 'real' | 'garbage';
  hostile: HostileCase;
  path: string;
}

const PLAIN = HOSTILE_CASES.find((c) => c.name === 'plain')!;

function tasksFor(target: WalkTarget, method: string, offersRanges: boolean): Task[] {
  const cases = casesFor(method, offersRanges);
  const real = target.realPath ? cases.map((hostile) => ({ method, variant: 'real' as const, hostile, path: target.realPath! })) : [];
  const garbagePath = target.garbagePath;
  const garbageCases = [PLAIN, ...cases].filter((c) => GARBAGE_PARAM_CASES.has(c.name));
  const garbage = garbagePath ? garbageCases.map((hostile, i) => ({ method, variant: 'garbage' as const, hostile, path: garbagePath(GARBAGE_PARAMS[i % GARBAGE_PARAMS.length]) })) : [];
  return [...real, ...garbage];
}

export interface WalkRun {
  port: number;
  callers: Caller[];
  bounds: Bounds;
  /** Labels of the exchanges in flight, for naming what was running when something escaped. */
  inFlight: Set<string>;
  /** The labels of the last exchanges to end, newest last. */
  recentlyEnded: string[];
  /** Each exchange by its label, to send it again alone (to find which one let an error escape). */
  replay: Map<string, { finding: Omit<Finding, 'what'>; send: () => Promise<ExchangeResult> }>;
  findings: Finding[];
  exchanges: number;
}

async function exchange(run: WalkRun, target: WalkTarget, caller: Caller, task: Task): Promise<ExchangeResult> {
  const fileField = target.key.includes('transcript') ? 'transcript' : 'audio';
  const request = task.hostile.build({ path: task.path, csrf: caller.csrf, fileField });
  const label = `${routeKey(task.method, target.key)} as ${caller.name} (${task.variant}) ${task.hostile.name}`;
  const callerHeaders = caller.headers.filter(([name]) => !request.headers.some(([own]) => own.toLowerCase() === name.toLowerCase()));
  const send = () => rawExchange({ port: run.port, method: request.method ?? task.method, target: request.target, headers: [...callerHeaders, ...request.headers], delivery: request.delivery, timeoutMs: run.bounds.timeoutMs, maxBytes: run.bounds.attachmentBytes + 1024 * 1024 });
  const finding = { route: routeKey(task.method, target.key), caller: caller.name, variant: task.variant, case: task.hostile.name };
  run.replay.set(label, { finding, send });
  run.inFlight.add(label);
  const result = await send();
  run.inFlight.delete(label);
  run.recentlyEnded.push(label);
  if (run.recentlyEnded.length > 24) run.recentlyEnded.shift();
  run.exchanges += 1;
  const what = judge(result, request, run.bounds);
  if (what) run.findings.push({ ...finding, what });
  return result;
}

export const healthz = (run: Pick<WalkRun, 'port' | 'bounds'>) => rawExchange({ port: run.port, method: 'GET', target: '/healthz', headers: [], delivery: { kind: 'none' }, timeoutMs: run.bounds.timeoutMs, maxBytes: 64 * 1024 });

/** The process still serves: /healthz answers 200 after each route's cases. */
async function stillServing(run: WalkRun, after: string): Promise<void> {
  const result = await healthz(run);
  if (result.status !== 200) run.findings.push({ route: after, caller: '-', variant: 'real', case: 'healthz afterwards', what: `GET /healthz answered ${result.status ?? 'nothing'}${result.hung ? ' (hung)' : ''}` });
}

const offersRanges = (answer: ExchangeResult) => Boolean(answer.headers['accept-ranges'] || /^audio\//.test(answer.headers['content-type'] ?? '') || answer.headers['content-disposition']);

/**
 * Every caller sends the plain request; callers the route answers alike (same status and
 * redirect) are one kind of caller to it, and the first of each kind then sends every hostile case
 * (the range cases where its answer offers ranges). A caller's cases run one after another, so a
 * provider never has more than one of the walk's uploads in flight; its stalls run side by side.
 */
async function walkUnit(run: WalkRun, target: WalkTarget, method: string): Promise<number> {
  const path = target.realPath ?? target.garbagePath!('x');
  const plain = await Promise.all(run.callers.map((caller) => exchange(run, target, caller, { method, variant: target.realPath ? 'real' : 'garbage', hostile: PLAIN, path })));
  const kinds = new Map<string, { caller: Caller; answer: ExchangeResult }>();
  plain.forEach((answer, i) => {
    const kind = `${answer.status} ${answer.headers.location ?? ''} ${answer.headers['content-type'] ?? ''} ${Math.round(answer.bodyBytes / 2048)}`;
    if (!kinds.has(kind)) kinds.set(kind, { caller: run.callers[i], answer });
  });
  let sent = plain.length;
  await Promise.all(
    [...kinds.values()].map(async ({ caller, answer }) => {
      const tasks = tasksFor(target, method, offersRanges(answer));
      sent += tasks.length;
      // Two tracks, so a caller has at most two requests in flight (a provider may have two uploads at once).
      const inTurn = async (list: Task[]) => {
        for (const task of list) await exchange(run, target, caller, task);
      };
      await Promise.all([inTurn(tasks.filter((task) => task.hostile.stall)), inTurn(tasks.filter((task) => !task.hostile.stall))]);
    }),
  );
  return sent;
}

/** Signing out ends the caller's session, so those routes are walked after all the others. */
const endsSession = (unit: { target: WalkTarget }) => /\/sign-out$/.test(unit.target.key);

export type WalkUnit = { target: WalkTarget; method: string };

/** Every target and method, in two phases: those that end a caller's session come last. */
export function walkPhases(targets: WalkTarget[]): WalkUnit[][] {
  const units = targets.flatMap((target) => target.methods.map((method) => ({ target, method })));
  return [units.filter((unit) => !endsSession(unit)), units.filter(endsSession)];
}

/** The units, `routesAtOnce` at a time, each followed by /healthz. */
export async function walkUnits(run: WalkRun, units: Array<{ target: WalkTarget; method: string }>, routesAtOnce: number): Promise<void> {
  await inParallel(units.length, routesAtOnce, async (index) => {
    const { target, method } = units[index];
    const started = performance.now();
    const sent = await walkUnit(run, target, method);
    await stillServing(run, routeKey(method, target.key));
    if (process.env.ROUTE_WALK_DEBUG) process.stderr.write(`${routeKey(method, target.key)}: ${sent} exchanges, ${Math.round(performance.now() - started)} ms\n`);
  });
}
