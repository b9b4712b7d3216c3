/**
 * Where a V8 CPU profile's time went (`BENCH_CPU_PROF=dir npm run bench` writes one per loaded
 * process): self time by function and by where the code lives, and total (inclusive) time of the
 * functions asked about.
 *
 *   npx tsx scripts/benchProfileSummary.ts <file.cpuprofile> [top] [function names, comma-separated]
 *
 * PROFILE_LAST_SECONDS=15 counts only the samples of the profile's last 15 seconds (the measured
 * window, leaving out the process's start and its setting up).
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Where a frame's code lives: our server, a package, Node's own JavaScript, or V8 and native work. */
function areaOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : `native ${name}`;
  const nodeModule = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nodeModule) return nodeModule[1];
  if (url.startsWith('node:')) return `node:${url.slice(5).split('/')[0]}`;
  const ours = /\/dist\/(server\/[^/]+(?:\/[^/]+)?)/.exec(url);
  return ours ? ours[1] : url;
}

function summarise(file: string, top: number, inclusiveOf: string[]) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<number, number>();
  const from = process.env.PROFILE_LAST_SECONDS ? profile.endTime - Number(process.env.PROFILE_LAST_SECONDS) * 1e6 : -Infinity;
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at >= from) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map<string, number>();
  const byArea = new Map<string, number>();
  const inclusive = new Map<string, number>(inclusiveOf.map((name) => [name, 0]));
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${lineNumber + 1}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + us);
    byArea.set(areaOf(url, functionName), (byArea.get(areaOf(url, functionName)) ?? 0) + us);
    // Inclusive: each sample counts once for every asked-about function on its stack.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const name = byId.get(at)!.callFrame.functionName;
      if (inclusive.has(name) && !seen.has(name)) {
        seen.add(name);
        inclusive.set(name, inclusive.get(name)! + us);
      }
    }
  }
  const print = (title: string, entries: Map<string, number>, count: number) => {
    console.log(`\n${title}`);
    for (const [key, us] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, count)) console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${key}`);
  };
  console.log(`${file}: ${(total / 1000).toFixed(0)} ms sampled over ${((profile.endTime - Math.max(from, profile.startTime)) / 1e6).toFixed(1)} s`);
  print('self time by area', byArea, top);
  print('self time by function', byFunction, top);
  if (inclusiveOf.length > 0) print('total time of', inclusive, inclusiveOf.length);
}

const [file, top = '25', names = ''] = process.argv.slice(2);
if (!file) {
  console.error('usage: tsx scripts/benchProfileSummary.ts <file.cpuprofile> [top] [function names]');
  process.exit(2);
}
summarise(file, Number(top), names.split(',').filter(Boolean));
