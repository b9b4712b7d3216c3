import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { runCli } from '../../server/cli/portalCli';
import { ConfigError, loadConfig } from '../../server/config';
import { openRuntime, portalLogger } from '../../server/runtime';
import { startTestPortal, type TestPortal } from '../support/testPortal';

/** What an instance sees to before it opens anything: DATA_DIR private whatever it was, and a word for risky settings. */

let parent: string;
beforeEach(() => {
  parent = mkdtempSync(path.join(tmpdir(), 'portal-datadir-'));
});
afterEach(() => rmSync(parent, { recursive: true, force: true }));

const modeOf = (dir: string) => statSync(dir).mode & 0o777;
/** A DATA_DIR left behind by an earlier install or made by hand: readable by everyone on the host. */
function worldReadableDir(name = 'data') {
  const dir = path.join(parent, name);
  mkdirSync(dir);
  chmodSync(dir, 0o755);
  expect(modeOf(dir)).toBe(0o755);
  return dir;
}
const logged = (portal: TestPortal) => portal.logLines.map((line) => JSON.parse(line) as { level: number; msg: string; previousMode?: string });

test('a DATA_DIR that was 0755 is 0700 once the portal has started, and the log says it changed', async () => {
  const dataDir = worldReadableDir();
  const portal = await startTestPortal({ DATA_DIR: dataDir });
  try {
    expect(modeOf(dataDir)).toBe(0o700);
    expect(logged(portal)).toContainEqual(expect.objectContaining({ level: 40, previousMode: '0755', msg: "DATA_DIR was mode 0755; it is now 0700, readable by the portal's user only" }));
  } finally {
    await portal.close();
  }
  // Started again on the same directory, there is nothing to say.
  const again = await startTestPortal({ DATA_DIR: dataDir });
  try {
    expect(logged(again).filter((line) => line.msg.startsWith('DATA_DIR'))).toEqual([]);
  } finally {
    await again.close();
  }
});

test('a DATA_DIR that does not exist yet is made 0700', async () => {
  const dataDir = path.join(parent, 'nested', 'data');
  const portal = await startTestPortal({ DATA_DIR: dataDir });
  try {
    expect(modeOf(dataDir)).toBe(0o700);
  } finally {
    await portal.close();
  }
});

test('the operator CLI makes a 0755 DATA_DIR private too', async () => {
  const dataDir = worldReadableDir();
  const errors: string[] = [];
  const code = await runCli(['audit', 'verify'], { env: { NODE_ENV: 'test', DATA_DIR: dataDir }, out: () => {}, err: (line) => errors.push(line) });
  expect(code).toBe(0);
  expect(modeOf(dataDir)).toBe(0o700);
});

test('a DATA_DIR that is a file stops start-up with one line naming DATA_DIR, not a stack', async () => {
  const dataDir = path.join(parent, 'data');
  const config = loadConfig({ NODE_ENV: 'test', DATA_DIR: parent, EMBEDDED_S3_PORT: '0' });
  writeFileSync(dataDir, 'not a directory');
  const opening = openRuntime({ ...config, dataDir }, { logger: portalLogger('silent') });
  await expect(opening).rejects.toThrow(ConfigError);
  await expect(opening).rejects.toThrow(/^DATA_DIR: .*data is not a directory$/);
});

describe('TRUST_PROXY', () => {
  test('outside production "true" is taken, and start-up logs the warning once', async () => {
    const portal = await startTestPortal({ TRUST_PROXY: 'true' });
    try {
      expect(logged(portal).filter((line) => line.msg.startsWith('TRUST_PROXY:'))).toEqual([
        expect.objectContaining({ level: 40, msg: expect.stringContaining('set the number of proxies in front of the portal (e.g. 1)') }),
      ]);
    } finally {
      await portal.close();
    }
  });

  /** Five wrong-format NINOs from one client behind the proxy, each claiming another address first. */
  async function spoofedAttempts(portal: TestPortal) {
    const { path: linkPath } = await portal.recordingWithLink();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      // The client sends "198.51.100.<i>"; the one proxy in front appends the address it saw.
      const answer = await request(portal.app).post(linkPath).set('X-Forwarded-For', `198.51.100.${i}, 203.0.113.7`).type('form').send({ nino: 'not a nino' });
      statuses.push(answer.status);
    }
    return statuses;
  }

  test('with one trusted hop, an address the client puts first in X-Forwarded-For cannot dodge the NINO limit', async () => {
    const portal = await startTestPortal({ TRUST_PROXY: '1', RATE_LIMIT_NINO_PER_15_MIN: '3' });
    try {
      expect(await spoofedAttempts(portal)).toEqual([400, 400, 400, 429, 429]);
    } finally {
      await portal.close();
    }
  });

  test('with "true" (why production refuses it) the same client dodges the limit entirely', async () => {
    const portal = await startTestPortal({ TRUST_PROXY: 'true', RATE_LIMIT_NINO_PER_15_MIN: '3' });
    try {
      expect(await spoofedAttempts(portal)).toEqual([400, 400, 400, 400, 400]);
    } finally {
      await portal.close();
    }
  });
});
