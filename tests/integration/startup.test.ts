import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { waitUntil } from '../support/waitUntil';

/** `npm start` as an operator runs it: the real entry point in a child process, on a fresh DATA_DIR. */

const ROOT = path.resolve(__dirname, '../..');
jest.setTimeout(90_000);

let scratch: string;
/** Not made by the test: the portal creates it. */
let dataDir: string;
beforeEach(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'portal-startup-'));
  dataDir = path.join(scratch, 'data');
});
afterEach(() => rmSync(scratch, { recursive: true, force: true }));

async function holdPort(host = '127.0.0.1'): Promise<net.Server> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return server;
}
const portOf = (server: net.Server) => (server.address() as net.AddressInfo).port;
const closeServer = (server: net.Server) => new Promise((resolve) => server.close(resolve));

function startPortal(env: Record<string, string>) {
  const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), ['server/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, NODE_ENV: 'development', LOG_LEVEL: 'warn', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', DATA_DIR: dataDir, PORT: '0', METRICS_PORT: '0', EMBEDDED_S3_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running after 60 s:\n${stdout}${stderr}`));
    }, 60_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
  const printed = (text: string) =>
    new Promise<void>((resolve, reject) => {
      const check = () => stdout.includes(text) && resolve();
      child.stdout.on('data', check);
      exited.then((code) => reject(new Error(`exited ${code} before printing "${text}":\n${stdout}${stderr}`)), reject);
      check();
    });
  return { child, exited, printed, stderr: () => stderr };
}

describe('a port already in use stops start-up with one line naming the variable to change', () => {
  test.each(['PORT', 'METRICS_PORT', 'EMBEDDED_S3_PORT'])('%s', async (variable) => {
    const holder = await holdPort();
    try {
      const port = portOf(holder);
      const portal = startPortal({ [variable]: String(port) });
      expect(await portal.exited).toBe(1);
      expect(portal.stderr()).toBe(`Configuration error: ${variable}: port ${port} is already in use; stop what holds it or choose another ${variable}\n`);
    } finally {
      await closeServer(holder);
    }
  });
});

test.each([
  ['TRUST_PROXY', 'yes'],
  ['S3_FORCE_PATH_STYLE', 'on'],
])('a wrong %s stops start-up with its one line, not a stack', async (variable, value) => {
  const portal = startPortal({ [variable]: value });
  expect(await portal.exited).toBe(1);
  expect(portal.stderr()).toMatch(new RegExp(`^Configuration error: ${variable}: [^\\n]+\\n$`));
});

test('production without S3_ENDPOINT does not quietly start the embedded server', async () => {
  const portal = startPortal({ NODE_ENV: 'production', BASE_URL: 'https://recordings.example.gov.uk', S3_ENDPOINT: '' });
  expect(await portal.exited).toBe(1);
  expect(portal.stderr()).toMatch(/^Configuration error: S3_ENDPOINT: is required in production[^\n]*\n$/);
});

test.each([
  ['S3_ACCESS_KEY_ID', {}],
  ['S3_SECRET_ACCESS_KEY', { S3_ACCESS_KEY_ID: 'S3RVER', S3_SECRET_ACCESS_KEY: 'S3RVER' }],
])('production with S3_ENDPOINT=embedded and no key pair of its own stops start-up with one line naming %s', async (variable, keys) => {
  const portal = startPortal({ NODE_ENV: 'production', BASE_URL: 'https://recordings.example.gov.uk', S3_ENDPOINT: 'embedded', S3_ACCESS_KEY_ID: '', S3_SECRET_ACCESS_KEY: '', ...keys });
  expect(await portal.exited).toBe(1);
  expect(portal.stderr()).toMatch(new RegExp(`^Configuration error: ${variable}: [^\\n]+\\n$`));
});

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(directory, entry.name);
    return entry.isDirectory() ? [full, ...filesUnder(full)] : [full];
  });
}

test('metrics listen on loopback by default, and everything under DATA_DIR is private to the portal user', async () => {
  const metricsHolder = await holdPort();
  const metricsPort = portOf(metricsHolder);
  await closeServer(metricsHolder);
  const portal = startPortal({ METRICS_PORT: String(metricsPort) });
  try {
    await portal.printed('Demo recording created.');
    const metrics = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    // 127.0.0.2 is this machine too: a server listening on every interface would answer there.
    await expect(fetch(`http://127.0.0.2:${metricsPort}/metrics`)).rejects.toThrow();

    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    // The demo's text is written by the dispatcher in the child's own time, after the line above.
    await waitUntil('the demo text in the outbox', () => existsSync(path.join(dataDir, 'outbox.jsonl')), { timeoutMs: 30_000 });
    const entries = filesUnder(dataDir);
    const kinds = entries.map((entry) => path.relative(dataDir, entry).split(path.sep)[0]);
    // The database, the development secrets, the outbox and the demo recording's object.
    expect(kinds).toEqual(expect.arrayContaining(['portal.sqlite', 'dev-secrets.json', 'outbox.jsonl', 's3']));
    expect(entries.some((entry) => entry.startsWith(path.join(dataDir, 's3', 'assessment-recordings')) && statSync(entry).isFile())).toBe(true);
    for (const entry of entries) {
      const expected = statSync(entry).isDirectory() ? 0o700 : 0o600;
      expect([path.relative(dataDir, entry), (statSync(entry).mode & 0o777).toString(8)]).toEqual([path.relative(dataDir, entry), expected.toString(8)]);
    }
  } finally {
    portal.child.kill('SIGTERM');
    await portal.exited;
  }
});
