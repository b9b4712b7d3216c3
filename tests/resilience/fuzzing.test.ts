import fc from 'fast-check';
import { parseNino } from '../../server/policy/nino';
import { cookieSetBy } from '../support/cookieJar';
import { grantOf } from '../support/grants';
import { signedInStaff, StaffBrowser } from '../support/staffBrowser';
import { CLAIMANT, startTestPortal, type TestPortal } from '../support/testPortal';
import { listenOnLoopback, productionEnv, stateSnapshot, type Loopback, type RawAnswer } from '../support/loopback';

/**
 * Property tests: whatever arrives (any string, any size, bytes that are not UTF-8, keys that try to
 * pollute Object.prototype), the portal answers with a page or a JSON error, never a 5xx, and
 * changes nothing. Runs are few and the seed fixed, so a failure replays exactly.
 */
const RUNS = { seed: 20261123, numRuns: 300, endOnFailure: true } as const;

let portal: TestPortal;
let http: Loopback;
let link: { path: string; token: string; linkId: string; recordingId: string };
let sessionCookie: string;

beforeAll(async () => {
  portal = await startTestPortal(productionEnv({ TRUST_PROXY: '1', RATE_LIMIT_PAGES_PER_MIN: '1000000', RATE_LIMIT_NINO_PER_15_MIN: '100000' }));
  http = await listenOnLoopback(portal.app);
  link = await portal.recordingWithLink();
  const verified = await http.send({ method: 'POST', path: link.path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `nino=${encodeURIComponent(CLAIMANT.nino)}` });
  expect(verified.status).toBe(303);
  sessionCookie = cookieSetBy(verified, 'recording_session')!;
}, 60_000);
afterAll(async () => {
  await http.close();
  await portal.close();
});

// ---------- arbitraries ----------

const hex = (byte: number) => `%${byte.toString(16).padStart(2, '0').toUpperCase()}`;
/** Percent-encodes every byte of the UTF-8 form (lone surrogates become U+FFFD, as a browser would send them). */
const percentEncode = (text: string) => [...Buffer.from(text, 'utf8')].map((b) => (/[A-Za-z0-9_.~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : hex(b))).join('');

const SPECIALS = [
  '__proto__', 'constructor', 'prototype', '__proto__[polluted]', 'constructor[prototype][polluted]', 'toString', 'hasOwnProperty',
  '%00', '../../../etc/passwd', '<script>alert(1)</script>', "' OR 1=1 --", '{{7*7}}', '${7*7}', 'AB 12 34 56', '\u202e', '\ufeff',
];

/** An already-encoded form value or path segment. */
const hostileEncoded = fc.oneof(
  { arbitrary: fc.string({ unit: 'binary', maxLength: 80 }).map(percentEncode), weight: 4 },
  { arbitrary: fc.uint8Array({ maxLength: 48 }).map((bytes) => [...bytes].map(hex).join('')), weight: 3 }, // any bytes: mostly invalid UTF-8
  { arbitrary: fc.constantFrom(...SPECIALS).map(percentEncode), weight: 2 },
  { arbitrary: fc.constantFrom('%', '%E0%A4%A', '%FF', '%C0%AF', '%ED%A0%80', '%F4%90%80%80', '%%', '%zz'), weight: 2 }, // broken escapes, overlongs, surrogates
  { arbitrary: fc.integer({ min: 1_000, max: 120_000 }).map((n) => 'A'.repeat(n)), weight: 1 }, // huge
);

const formKey = fc.oneof(fc.constantFrom('nino', 'grant', '_csrf', 'query', 'email', 'password', 'code', 'reason', ...SPECIALS, 'nino[]', 'nino[__proto__]', 'a[b][c][d]'), fc.string({ maxLength: 12 }));

const hostileForm = fc.array(fc.tuple(formKey, hostileEncoded), { maxLength: 8 }).map((pairs) => pairs.map(([k, v]) => `${percentEncode(k)}=${v}`).join('&'));

const CONTENT_TYPES = [
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=iso-8859-1',
  'application/json',
  'multipart/form-data; boundary=----x',
  'multipart/form-data',
  'text/plain',
  'application/octet-stream',
  '*/*; q=\u00ff',
];

/** Header values Node's HTTP client will put on the wire: visible ASCII and Latin-1, any length. */
const headerValue = fc.oneof(
  { arbitrary: fc.array(fc.integer({ min: 0x20, max: 0xff }).filter((c) => c !== 0x7f), { maxLength: 120 }).map((codes) => String.fromCharCode(...codes)), weight: 5 },
  { arbitrary: fc.constantFrom(...SPECIALS.filter((s) => /^[\x20-\x7e]*$/.test(s))), weight: 2 },
  { arbitrary: fc.integer({ min: 4_000, max: 24_000 }).map((n) => 'x'.repeat(n)), weight: 1 },
);
const headerName = fc.oneof(
  fc.constantFrom('cookie', 'accept-language', 'x-forwarded-for', 'user-agent', 'content-type', 'authorization', 'accept', 'accept-encoding', 'origin', 'referer', 'x-request-id', 'if-none-match', 'range', '__proto__', 'idempotency-key'),
  fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/),
);
const hostileHeaders = fc.dictionary(headerName, headerValue, { maxKeys: 6 });

const contentType = fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined });

// ---------- checks ----------

function expectHandled(answer: RawAnswer, context: string) {
  if (answer.status >= 500) throw new Error(`${context}: ${answer.status}\n${answer.text.slice(0, 300)}`);
  expect(answer.text).not.toMatch(/\bat .*:\d+:\d+|node_modules\/|(Type|Syntax|Range|URI|Reference)Error/);
}

function expectPrototypeClean() {
  const probe: Record<string, unknown> = {};
  expect(probe.polluted).toBeUndefined();
  expect(Object.keys(Object.prototype)).toEqual([]);
}

async function unchanged<T>(work: () => Promise<T>): Promise<T> {
  const before = await stateSnapshot(portal);
  const result = await work();
  expect(await stateSnapshot(portal)).toEqual(before);
  expectPrototypeClean();
  return result;
}

// ---------- properties ----------

test('the NINO form: any body, any content type → 4xx page, no attempt counted, nothing stored', async () => {
  await unchanged(() =>
    fc.assert(
      fc.asyncProperty(hostileForm, contentType, async (body, type) => {
        // A body that happens to hold a well-formed wrong NINO would (rightly) count; those are the lockout suite's business.
        const nino = new URLSearchParams(body.length < 4096 ? body : '').get('nino');
        fc.pre(nino === null || !parseNino(nino).ok);
        const answer = await http.send({ method: 'POST', path: link.path, headers: type ? { 'content-type': type } : {}, body });
        expectHandled(answer, `POST ${link.path} (${type}) ${body.slice(0, 200)}`);
        expect(answer.status).toBeGreaterThanOrEqual(400);
      }),
      RUNS,
    ),
  );
});

test('the token path: any segment, any suffix, GET or POST → 4xx page and not one SQL statement', async () => {
  const suffix = fc.constantFrom('', '/download', '/listen', '/session', '/manifest', '/', '/..', '/%2e%2e/%2e%2e');
  await unchanged(async () => {
    portal.queries.length = 0;
    await fc.assert(
      fc.asyncProperty(hostileEncoded, suffix, fc.constantFrom('GET', 'POST', 'HEAD'), async (segment, tail, method) => {
        const path = `/r/${segment}${tail}`;
        const answer = await http.send({ method, path, headers: method === 'POST' ? { 'content-type': 'application/x-www-form-urlencoded' } : {}, body: method === 'POST' ? 'nino=AB123456C' : undefined });
        expectHandled(answer, `${method} ${path.slice(0, 200)}`);
      }),
      RUNS,
    );
    expect(portal.queries).toEqual([]);
  });
});

test('headers: any names and values (huge, Latin-1, forged cookies and proxies) on claimant, staff and API routes → no 5xx, nothing changes', async () => {
  const target = fc.constantFrom(
    { method: 'POST', path: () => `${link.path}/download` },
    { method: 'GET', path: () => '/r/k1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
    { method: 'GET', path: () => '/staff/find' },
    { method: 'POST', path: () => '/staff/find' },
    { method: 'GET', path: () => `/api/v1/recordings/${link.recordingId}` },
    { method: 'POST', path: () => `/api/v1/recordings/${link.recordingId}/links` },
    { method: 'GET', path: () => '/verify' },
    { method: 'GET', path: () => '/help' },
  );
  await unchanged(() =>
    fc.assert(
      fc.asyncProperty(target, hostileHeaders, async ({ method, path }, headers) => {
        const answer = await http.send({ method, path: path(), headers });
        expectHandled(answer, `${method} ${path()} ${JSON.stringify(headers).slice(0, 300)}`);
      }),
      RUNS,
    ),
  );
});

test('the download with a live session: any grant value → refused, nothing recorded, the grant slot untouched', async () => {
  await unchanged(() =>
    fc.assert(
      fc.asyncProperty(hostileForm, hostileEncoded, async (extra, grant) => {
        const answer = await http.send({
          method: 'POST',
          path: `${link.path}/download`,
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: sessionCookie },
          body: `grant=${grant}&${extra}`,
        });
        expectHandled(answer, `download grant=${grant.slice(0, 100)}`);
        expect(answer.status).not.toBe(303);
      }),
      RUNS,
    ),
  );
  const download = await (async () => {
    const page = await http.send({ path: link.path, headers: { cookie: sessionCookie } });
    const grant = grantOf(page);
    return http.send({ method: 'POST', path: `${link.path}/download`, headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: sessionCookie }, body: `grant=${grant}` });
  })();
  expect(download.status).toBe(303); // the genuine grant still works afterwards
});

test('the /verify query: any value, repeated or nested parameters → a page, never a 5xx, nothing stored', async () => {
  const query = fc.oneof(
    hostileEncoded.map((v) => `sha256=${v}`),
    fc.tuple(hostileEncoded, hostileEncoded).map(([a, b]) => `sha256=${a}&sha256=${b}`),
    hostileEncoded.map((v) => `sha256[__proto__][polluted]=${v}&sha256[a]=1`),
    fc.stringMatching(/^[0-9a-f]{64}$/).map((v) => `sha256=${v}`),
    hostileForm,
  );
  await unchanged(() =>
    fc.assert(
      fc.asyncProperty(query, async (q) => {
        const answer = await http.send({ path: `/verify?${q}` });
        expectHandled(answer, `/verify?${q.slice(0, 200)}`);
      }),
      RUNS,
    ),
  );
});

test('the provider API: any body, any content type, any id, with a valid key → a JSON 4xx, nothing registered or sent', async () => {
  const added = await portal.cli('providers', 'add', '--name', 'Fuzzing provider');
  expect(added.code).toBe(0);
  const auth = { authorization: `Bearer ${added.json.apiKey as string}` };
  const jsonBody = fc.oneof(
    fc.jsonValue().map((v) => JSON.stringify(v)),
    fc.constantFrom('{"__proto__":{"polluted":true}}', '{"constructor":{"prototype":{"polluted":true}}}', '{"assessmentRef":{"$gt":""}}', '{', '[]', 'null'),
  );
  const multipart = fc.array(fc.tuple(formKey, fc.string({ unit: 'binary', maxLength: 60 })), { maxLength: 6 }).map(
    (fields) => `------x\r\n${fields.map(([k, v]) => `Content-Disposition: form-data; name="${k.replace(/["\r\n]/g, '')}"\r\n\r\n${v}\r\n------x\r\n`).join('')}--`,
  );
  const request = fc.oneof(
    fc.tuple(fc.constant('/api/v1/recordings'), fc.oneof(jsonBody, multipart, hostileForm), fc.constantFrom(...CONTENT_TYPES)),
    fc.tuple(hostileEncoded.map((id) => `/api/v1/recordings/${id}/links`), fc.oneof(jsonBody, hostileForm), fc.constantFrom(...CONTENT_TYPES)),
  );
  await unchanged(async () => {
    await fc.assert(
      fc.asyncProperty(request, async ([path, body, type]) => {
        const answer = await http.send({ method: "POST", path, headers: { ...auth, "content-type": type }, body, timeoutMs: 3000 });
        expectHandled(answer, `POST ${path.slice(0, 120)} (${type}) ${body.slice(0, 200)}`);
        expect(answer.status).toBeGreaterThanOrEqual(400);
      }),
      RUNS,
    );
    await fc.assert(
      fc.asyncProperty(hostileEncoded, async (id) => {
        const answer = await http.send({ path: `/api/v1/recordings/${id}`, headers: auth });
        expectHandled(answer, `GET /api/v1/recordings/${id.slice(0, 120)}`);
      }),
      { ...RUNS, numRuns: 80 },
    );
  });
});

test('staff forms: sign-in and search with any input → 4xx page; a search adds only its own audit entry', async () => {
  const { browser } = await signedInStaff(portal, 'agent');
  await browser.get('/staff/find');
  const csrf = browser.csrfToken()!;
  const anonymous = new StaffBrowser(portal.app);
  await anonymous.get('/staff/sign-in');
  const signInCsrf = anonymous.csrfToken()!;

  const before = await stateSnapshot(portal);
  const auditBefore = before.counts.audit_events;
  await fc.assert(
    fc.asyncProperty(hostileForm, fc.boolean(), fc.integer({ min: 1, max: 250 }), async (form, searching, address) => {
      const answer = searching
        ? await http.send({ method: 'POST', path: '/staff/find', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: browser.cookieHeader() }, body: `_csrf=${encodeURIComponent(csrf)}&${form}` })
        : await http.send({
            method: 'POST',
            path: '/staff/sign-in',
            headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: anonymous.cookieHeader(), 'x-forwarded-for': `192.0.2.${address}` },
            body: `_csrf=${encodeURIComponent(signInCsrf)}&${form}`,
          });
      expectHandled(answer, `${searching ? 'find' : 'sign-in'} ${form.slice(0, 200)}`);
      expect(answer.status).toBeGreaterThanOrEqual(searching ? 200 : 400);
    }),
    RUNS,
  );
  const after = await stateSnapshot(portal);
  expect({ ...after.counts, audit_events: 0 }).toEqual({ ...before.counts, audit_events: 0 });
  expect(after.links).toEqual(before.links);
  const added = (await portal.audit.auditEvents()).slice(auditBefore).map((e) => e.type);
  expect(added.filter((type) => type !== 'staff.found')).toEqual([]);
  expectPrototypeClean();
});
