import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cookieSetBy } from '../support/cookieJar';
import { grantOf } from '../support/grants';
import { runCli } from '../../server/cli/portalCli';
import { wavHeader } from '../../server/demoAudio';
import { uploadFraming } from '../support/uploadFraming';
import { waitUntil } from '../support/waitUntil';

const ROOT = path.resolve(__dirname, '../..');

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** True once nothing listens on the port any more: a connection to it is refused. */
function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.connect(port, '127.0.0.1');
    probe.once('connect', () => {
      probe.destroy();
      resolve(false);
    });
    probe.once('error', () => resolve(true));
  });
}

function startPortalProcess(env: Record<string, string>) {
  // Node itself, with tsx as a loader, so SIGTERM reaches the portal as it does in the container: the tsx
  // command relays signals through its own process, and gives up on a child too busy to answer in time.
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
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
        headers: { cookie, 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), expect: '100-continue' },
      });
      request.on('response', resolve).on('error', reject);
      // The portal's "100 Continue" says it is handling the request: half the body then, and the rest
      // once SIGTERM has closed its port, so the request is in flight when the signal lands.
      request.on('continue', () => {
        request.write(body.slice(0, 10));
        portal.child.kill('SIGTERM');
        waitUntil('the portal has closed its port', () => refused(port)).then(() => request.end(body.slice(10)), reject);
      });
      request.flushHeaders();
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

test('SIGTERM during a provider upload: the upload is given up before the grace period ends (503 shutting-down, Retry-After), its multipart upload aborted, and the process exits cleanly', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'portal-shutdown-upload-'));
  const port = await freePort();
  // Uploads in flight have until 5 s before SHUTDOWN_TIMEOUT to arrive.
  const portal = startPortalProcess({ DATA_DIR: dataDir, PORT: String(port), EMBEDDED_S3_PORT: '0', METRICS_PORT: '0', SHUTDOWN_TIMEOUT: '8s' });
  try {
    await portal.demoLink;
    const out: string[] = [];
    expect(await runCli(['providers', 'add', '--name', 'Shutdown Ltd'], { env: { DATA_DIR: dataDir }, out: (line) => out.push(line), err: () => {} })).toBe(0);
    const { apiKey } = JSON.parse(out.join('\n')) as { apiKey: string };

    const boundary = 'shutdown-boundary';
    const fields = { assessmentRef: 'SHUTDOWN-1', nino: 'AB 12 34 56 C', mobile: '07700 900123' };
    const { preamble: head } = uploadFraming(boundary, fields);
    const audioBytes = 16 * 1024 * 1024;
    const audio = Buffer.alloc(audioBytes);
    wavHeader((audioBytes - 44) / 2, 16_000).copy(audio);
    const upload = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/api/v1/recordings',
      agent: false,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': head.length + audioBytes + 100 },
    });
    const answer = new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      upload.on('response', (response) => {
        let body = '';
        response.on('data', (chunk) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body }));
      });
      upload.on('error', reject);
    });
    upload.write(head);
    // Two 5 MB parts' worth, then nothing: the upload is in flight, with parts in the bucket, when the signal lands.
    upload.write(audio.subarray(0, 11 * 1024 * 1024));
    const bucket = path.join(dataDir, 's3', 'assessment-recordings');
    const uploads = path.join(bucket, '._S3rver_uploads');
    const objectsBefore = await readdir(path.join(bucket, 'recordings'));
    const partsStored = async () => (await readdir(uploads).catch(() => [])).length > 0;
    for (let tries = 0; !(await partsStored()); tries++) {
      if (tries > 600) throw new Error(`no multipart upload began:\n${portal.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    portal.child.kill('SIGTERM');

    const refused = await answer;
    expect(refused.status).toBe(503);
    expect(JSON.parse(refused.body).type).toMatch(/shutting-down$/);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(await portal.exited).toBe(0);
    expect(await readdir(uploads).catch(() => [])).toEqual([]);
    expect(await readdir(path.join(bucket, 'recordings'))).toEqual(objectsBefore);
  } finally {
    portal.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 120_000);
