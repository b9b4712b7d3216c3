import request from 'supertest';
import { createApp } from '../../server/app';
import { wirePortal } from '../../server/portal';
import { s3Objects } from '../../server/objects/s3Objects';
import { createMetricsApp } from '../../server/observability/metricsApp';
import { ClaimantBrowser } from '../support/claimantBrowser';
import { CLAIMANT, startTestPortal, type TestPortal } from '../support/testPortal';

let portal: TestPortal;
beforeEach(async () => {
  portal = await startTestPortal();
});
afterEach(async () => {
  await portal.close();
});

test('/healthz says the process is alive; /readyz that it takes traffic, and whether the database and the bucket answer', async () => {
  expect((await request(portal.app).get('/healthz')).body).toEqual({ status: 'ok' });
  const ready = await request(portal.app).get('/readyz');
  expect(ready.status).toBe(200);
  expect(ready.body).toEqual({ status: 'ready', checks: { database: 'ok', objectStorage: 'ok' } });
});

test('/readyz stays 200 while the object store is unreachable, and says so (every pod shares it: tests/integration/readiness.test.ts)', async () => {
  const unreachable = s3Objects({ ...portal.config.s3, endpoint: 'http://127.0.0.1:9' });
  const answer = await request(createApp(wirePortal({ ...portal.deps, objects: unreachable }))).get('/readyz');
  unreachable.close();
  expect(answer.status).toBe(200);
  expect(answer.body.checks).toEqual({ database: 'ok', objectStorage: 'unavailable' });
});

test('metrics count requests by route shape and the journey by event, with no personal data', async () => {
  const { path, token } = await portal.recordingWithLink();
  const browser = new ClaimantBrowser(portal.app);
  await browser.get(path);
  await browser.enterNino(path, 'AB 65 43 21 D');
  await browser.enterNino(path, CLAIMANT.nino);
  await browser.download(path);

  const answer = await request(createMetricsApp(portal.deps.metrics)).get('/metrics');
  expect(answer.status).toBe(200);
  const text = answer.text;
  expect(text).toMatch(/portal_http_requests_total\{route="\/r\/:token",method="GET",status="200"\} 2/);
  expect(text).toMatch(/portal_http_requests_total\{route="\/r\/:token\/download",method="POST",status="303"\} 1/);
  expect(text).toMatch(/portal_http_request_duration_seconds_bucket\{le="0.05",route="\/r\/:token",method="GET"\}/);
  expect(text).toMatch(/portal_events_total\{type="link.opened"\} 1/);
  expect(text).toMatch(/portal_events_total\{type="nino.failed"\} 1/);
  expect(text).toMatch(/portal_events_total\{type="recording.downloaded"\} 1/);
  expect(text).toMatch(/portal_argon2_seconds_count\{operation="verify"\} 2/);
  expect(text).not.toContain(token);
  expect(text).not.toContain('AB123456C');
});

test('the public port does not serve metrics', async () => {
  expect((await request(portal.app).get('/metrics')).status).toBe(404);
});

test('db migrate reports the database and what it applied: nothing, once the portal has started', async () => {
  const migrated = await portal.cli('db', 'migrate');
  expect(migrated).toEqual({ code: 0, json: { database: 'sqlite', applied: [] } });
});
