import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cookieSetBy } from '../../scripts/support/cookieJar';
import { grantOf } from '../../scripts/support/grants';

const ROOT = path.resolve(__dirname, '../..');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function startPortalProcess(env: Record<string, string>) {
  const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const demoLink = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no demo link within 60 s:\n${output}`)), 60_000);
    child.stdout.on('data', () => {
      const match = /Open:\s+(\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
  });
  return { child, exited, demoLink, output: () => output };
}

test('SIGTERM during a download request lets it finish, then the process exits cleanly', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'portal-shutdown-'));
  const port = await freePort();
  const portal = startPortalProcess({ DATA_DIR: dataDir, PORT: String(port), EMBEDDED_S3_PORT: '0', METRICS_PORT: '0', SHUTDOWN_TIMEOUT: '10s' });
  try {
    const linkPath = new URL(await portal.demoLink).pathname;
    const origin = `http://127.0.0.1:${port}`;
    const signIn = await fetch(`${origin}${linkPath}`, { method: 'POST', body: new URLSearchParams({ nino: 'AB 12 34 56 C' }), redirect: 'manual' });
    expect(signIn.status).toBe(303);
    const cookie = cookieSetBy(signIn, 'recording_session')!;
    const grant = grantOf(await (await fetch(`${origin}${linkPath}`, { headers: { cookie } })).text());

    const body = `grant=${encodeURIComponent(grant)}`;
    const answer = new Promise<http.IncomingMessage>((resolve, reject) => {
      const request = http.request(`${origin}${linkPath}/download`, {
        method: 'POST',
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
      });
      request.on('response', resolve).on('error', reject);
      // Half the body now, the rest after SIGTERM: the request is in flight when the signal lands.
      request.write(body.slice(0, 10));
      setTimeout(() => {
        portal.child.kill('SIGTERM');
        setTimeout(() => request.end(body.slice(10)), 500);
      }, 200);
    });

    const response = await answer;
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toMatch(new RegExp(`^${linkPath}/download/`));
    expect(await portal.exited).toBe(0);
    await expect(fetch(`${origin}/healthz`)).rejects.toThrow();
  } finally {
    portal.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 90_000);
