import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.join(__dirname, '..', '..');

/** Runs the crashing process to its end; its stdout lines (JSON) and exit code. */
function runCrashing(kind: 'exception' | 'rejection'): Promise<{ code: number | null; lines: Array<Record<string, unknown>> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), [path.join(ROOT, 'tests', 'support', 'crashingProcess.ts'), kind], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, lines: out.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line)) }));
  });
}

describe('the crash policy: a failure that escapes every request stops the instance for its supervisor to restart', () => {
  test.each([
    ['exception', 'an error event nobody listened to', 'uncaughtException'],
    ['rejection', 'a promise nobody awaited', 'unhandledRejection'],
  ] as const)('an uncaught %s is logged as fatal with the error, and the process exits non-zero', async (kind, message, reported) => {
    const { code, lines } = await runCrashing(kind);
    expect(code).toBe(1);
    const fatal = lines.filter((line) => line.level === 60);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]).toMatchObject({ kind: reported, err: { message }, msg: expect.stringContaining('supervisor') });
    expect(String((fatal[0].err as { stack: string }).stack)).toContain('crashingProcess.ts');
  });
});
