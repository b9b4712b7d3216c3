/**
 * `BENCH_SQL_TIMING=1 npm run bench`: the portal's process times every SQLite statement it runs and,
 * when it stops, prints to stderr the statements that took longest in all, with how often each ran
 * and its mean. A CPU profile names only better-sqlite3's driver; this says which statement it was.
 * The figures are wall time on a loaded machine (waiting for a core counts) and the timing adds a
 * little to each statement, so they attribute the database's share; they are not the bench's figures.
 */
import Database from 'better-sqlite3';

const METHODS = ['run', 'get', 'all', 'iterate'] as const;
const SHOWN = 15;

export function timeSqlStatements(): void {
  const totals = new Map<string, { nanoseconds: bigint; runs: number }>();
  const probe = new Database(':memory:');
  const statementPrototype = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, (...args: unknown[]) => unknown>;
  probe.close();
  for (const method of METHODS) {
    const original = statementPrototype[method];
    statementPrototype[method] = function timed(this: { source: string }, ...args: unknown[]) {
      const started = process.hrtime.bigint();
      try {
        return original.apply(this, args);
      } finally {
        const total = totals.get(this.source) ?? { nanoseconds: 0n, runs: 0 };
        total.nanoseconds += process.hrtime.bigint() - started;
        total.runs++;
        totals.set(this.source, total);
      }
    };
  }
  process.on('exit', () => {
    const longest = [...totals].sort(([, a], [, b]) => Number(b.nanoseconds - a.nanoseconds)).slice(0, SHOWN);
    for (const [source, { nanoseconds, runs }] of longest) {
      const ms = Number(nanoseconds) / 1e6;
      process.stderr.write(`sql ${ms.toFixed(0).padStart(6)} ms ${String(runs).padStart(7)} runs ${((ms * 1000) / runs).toFixed(1).padStart(7)} µs  ${source.slice(0, 140)}\n`);
    }
  });
}
