import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { startEmbeddedS3, type EmbeddedS3 } from '../../server/objects/embeddedS3';
import { createMetricsApp } from '../../server/observability/metricsApp';
import { startTestPortal, type TestPortal } from '../support/testPortal';

/**
 * Readiness is this instance's: a shared dependency being down must not take every pod out of the
 * Service at once. The dependency's state stays visible in the body, the gauges and the log.
 */

const BUCKET = 'assessment-recordings';
const dependencyGauge = async (portal: TestPortal, dependency: string) => {
  const text = (await request(createMetricsApp(portal.deps.metrics)).get('/metrics')).text;
  return new RegExp(`^portal_dependency_up\\{dependency="${dependency}"\\} (\\d)$`, 'm').exec(text)?.[1];
};
const logged = (portal: TestPortal, message: string) => portal.logLines.map((line) => JSON.parse(line)).filter((line) => line.msg.startsWith(message));

describe('the object store stops and comes back', () => {
  let s3Dir: string;
  let s3: EmbeddedS3;
  let portal: TestPortal;

  beforeEach(async () => {
    s3Dir = mkdtempSync(path.join(tmpdir(), 'readiness-s3-'));
    s3 = await startEmbeddedS3(s3Dir, BUCKET, 0);
    portal = await startTestPortal({ S3_ENDPOINT: s3.endpoint, S3_BUCKET: BUCKET, S3_ACCESS_KEY_ID: s3.credentials.accessKeyId, S3_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey });
  });
  afterEach(async () => {
    await portal.close();
    await s3.close().catch(() => {});
    rmSync(s3Dir, { recursive: true, force: true });
  });

  test('/readyz stays 200 and says the bucket is unavailable; the gauge and the log say so, and say when it is back', async () => {
    const up = await request(portal.app).get('/readyz');
    expect(up.status).toBe(200);
    expect(up.body).toEqual({ status: 'ready', checks: { database: 'ok', objectStorage: 'ok' } });
    expect(await dependencyGauge(portal, 'objectStorage')).toBe('1');

    await s3.close();
    const down = await request(portal.app).get('/readyz');
    expect(down.status).toBe(200);
    expect(down.body).toEqual({ status: 'ready', checks: { database: 'ok', objectStorage: 'unavailable' } });
    expect(await dependencyGauge(portal, 'objectStorage')).toBe('0');
    expect(await dependencyGauge(portal, 'database')).toBe('1');
    await request(portal.app).get('/readyz');
    // Logged when it changes, not at every probe.
    expect(logged(portal, 'dependency unavailable').map((line) => line.dependency)).toEqual(['objectStorage']);
    expect((await request(portal.app).get('/healthz')).status).toBe(200);

    s3 = await startEmbeddedS3(s3Dir, BUCKET, Number(new URL(s3.endpoint).port), s3.credentials);
    expect((await request(portal.app).get('/readyz')).body.checks.objectStorage).toBe('ok');
    expect(await dependencyGauge(portal, 'objectStorage')).toBe('1');
    expect(logged(portal, 'dependency answers again').map((line) => line.dependency)).toEqual(['objectStorage']);
  });
});

describe('an instance whose Redis cannot be reached', () => {
  let portal: TestPortal;
  beforeEach(async () => {
    // Nothing listens on the discard port: every command fails.
    portal = await startTestPortal({ REDIS_URL: 'redis://127.0.0.1:9', REDIS_KEY_PREFIX: 'readiness-test:' });
  });
  afterEach(() => portal.close());

  test('is still ready, and says Redis is unavailable', async () => {
    const answer = await request(portal.app).get('/readyz');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ status: 'ready', checks: { database: 'ok', objectStorage: 'ok', redis: 'unavailable' } });
    expect(await dependencyGauge(portal, 'redis')).toBe('0');
  });
});

describe('an instance that is draining', () => {
  let portal: TestPortal;
  beforeEach(async () => {
    portal = await startTestPortal();
  });
  afterEach(() => portal.close());

  test('/readyz is 503 from the moment the drain starts, while /healthz stays 200', async () => {
    expect((await request(portal.app).get('/readyz')).status).toBe(200);
    portal.deps.lifecycle.drain();
    const draining = await request(portal.app).get('/readyz');
    expect(draining.status).toBe(503);
    expect(draining.body).toEqual({ status: 'draining' });
    expect((await request(portal.app).get('/healthz')).status).toBe(200);
  });
});
