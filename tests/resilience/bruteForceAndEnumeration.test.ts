import { randomBytes } from 'node:crypto';
import { keyRing } from '../../server/policy/keyRing';
import { issueLinkToken } from '../../server/policy/linkToken';
import { signedInStaff } from '../support/staffBrowser';
import { CLAIMANT, startTestPortal, type TestPortal } from '../support/testPortal';
import { fireFromWorker, inParallel, listenOnLoopback, productionEnv, type Loopback } from '../support/loopback';

/**
 * Attacks at scale, over real HTTP on loopback. The smaller versions (five wrong entries, a dozen
 * forged tokens) are in tests/integration/lockoutAndHostileInput.test.ts.
 */

describe('brute force: 1,000 wrong NINOs on one link from 50 addresses behind a trusted proxy', () => {
  let portal: TestPortal;
  let http: Loopback;
  beforeAll(async () => {
    // As in production behind one load balancer: each attacker address is its own client to the limits.
    portal = await startTestPortal(productionEnv({ TRUST_PROXY: '1' }));
    http = await listenOnLoopback(portal.app);
  });
  afterAll(async () => {
    await http.close();
    await portal.close();
  });

  test('no attempt succeeds, the link locks at exactly MAX_NINO_ATTEMPTS, and staff see the lock', async () => {
    const { path, linkId, recordingId } = await portal.recordingWithLink();
    const limit = portal.config.access.maxNinoAttempts;
    const addresses = Array.from({ length: 50 }, (_, i) => `203.0.113.${i + 1}`);
    // Well-formed NINOs (they pass the format check, so each one costs an argon2 verify while the link is open), none the claimant's.
    const guesses = Array.from({ length: 1000 }, (_, i) => `AB${String(i * 7 + 100_000).padStart(6, '0')}${'ABCD'[i % 4]}`).filter((n) => n !== 'AB123456C');
    expect(guesses).toHaveLength(1000);

    const answers = await inParallel(guesses.length, 25, (i) =>
      http.send({
        method: 'POST',
        path,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': addresses[i % addresses.length] },
        body: `nino=${encodeURIComponent(guesses[i])}`,
      }),
    );

    const byStatus = answers.reduce<Record<number, number>>((acc, a) => ({ ...acc, [a.status]: (acc[a.status] ?? 0) + 1 }), {});
    expect(Object.keys(byStatus).map(Number).sort()).toEqual(expect.arrayContaining([403]));
    expect(answers.every((a) => a.status === 400 || a.status === 403)).toBe(true); // no 303 (success), no 429, no 5xx
    expect(answers.some((a) => a.headers['set-cookie']?.some((c) => c.startsWith('recording_session=')))).toBe(false);
    expect(byStatus[400]).toBeLessThanOrEqual(limit - 1);
    expect(byStatus[403]).toBe(1000 - byStatus[400]);

    const link = (await portal.links.findLink(linkId))!;
    expect(link.failed_attempts).toBe(limit);
    expect(link.locked_at).not.toBeNull();
    expect(link.first_download_at).toBeNull();

    const trail = (await portal.audit.auditTrail({ linkId })).map((e) => e.type);
    expect(trail.filter((t) => t === 'nino.failed')).toHaveLength(limit);
    expect(trail.filter((t) => t === 'link.locked')).toHaveLength(1);
    expect(trail).not.toContain('nino.verified');

    // Even the right NINO, from a fresh address, no longer opens it.
    const right = await http.send({ method: 'POST', path, headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': '198.51.100.7' }, body: `nino=${encodeURIComponent(CLAIMANT.nino)}` });
    expect(right.status).toBe(403);

    // The support agent on the phone sees the link as locked and why.
    const { browser } = await signedInStaff(portal, 'agent');
    const page = await browser.get(`/staff/recordings/${recordingId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Locked after too many wrong National Insurance numbers');
  });
});

describe('token enumeration: 10,000 random and mutated tokens', () => {
  let portal: TestPortal;
  let http: Loopback;
  let genuine: string;
  beforeAll(async () => {
    // The per-address page limit would answer most of these with 429 (also without a database read);
    // it is lifted here so every token reaches the token check itself.
    portal = await startTestPortal(productionEnv({ RATE_LIMIT_PAGES_PER_MIN: '1000000' }));
    http = await listenOnLoopback(portal.app);
    genuine = (await portal.recordingWithLink()).token;
  });
  afterAll(async () => {
    await http.close();
    await portal.close();
  });

  const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

  /** Deterministic so a failure can be replayed. */
  function prng(seed: number) {
    let state = seed >>> 0;
    return () => {
      state = (state + 0x6d2b79f5) >>> 0;
      let t = state;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  function candidates(count: number): string[] {
    const random = prng(20261123);
    const pick = (alphabet: string) => alphabet[Math.floor(random() * alphabet.length)];
    const out: string[] = [];
    for (let i = 0; out.length < count; i++) {
      const body = [...genuine.slice(3)];
      switch (i % 8) {
        case 0: // a flipped character of the genuine token
          body[Math.floor(random() * body.length)] = pick(BASE64URL);
          out.push(`k1.${body.join('')}`);
          break;
        case 1: // a random well-formed token
          out.push(`k1.${randomBytes(24).toString('base64url')}`);
          break;
        case 2: // a well-formed token under an unknown key id
          out.push(`${pick('abcdefghij')}${pick('0123456789')}.${randomBytes(24).toString('base64url')}`);
          break;
        case 3: // truncated or extended
          out.push(random() < 0.5 ? genuine.slice(0, 3 + Math.floor(random() * 32)) : `${genuine}${pick(BASE64URL)}`);
          break;
        case 4: // the genuine random part with a guessed tag
          out.push(`${genuine.slice(0, 3 + 22)}${randomBytes(8).toString('base64url').slice(0, 10)}`);
          break;
        case 5: // random printable junk of any length up to the limit the route reads
          out.push(Array.from({ length: 1 + Math.floor(random() * 60) }, () => pick(`${BASE64URL}.~!*'()`)).join(''));
          break;
        case 6: // percent-encoded bytes, including invalid UTF-8
          out.push(Array.from({ length: 1 + Math.floor(random() * 12) }, () => `%${Math.floor(random() * 256).toString(16).padStart(2, '0').toUpperCase()}`).join(''));
          break;
        default: // swapped case, a classic mangling by mail clients
          out.push(`k1.${genuine.slice(3).split('').map((c) => (random() < 0.2 ? (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase()) : c)).join('')}`);
      }
    }
    return out.filter((t) => t !== genuine && t !== `k1.${genuine.slice(3)}`);
  }

  test('all are refused with a page (never a 5xx) and not one SQL statement runs', async () => {
    const tokens = candidates(10_050).slice(0, 10_000);
    expect(tokens.length).toBe(10_000);
    portal.queries.length = 0;
    const answers = await fireFromWorker(http.port, tokens.map((t) => `/r/${t}`), ['This link is not recognised']);
    expect(portal.queries).toEqual([]);
    const statuses = answers.reduce<Record<number, number>>((acc, a) => ({ ...acc, [a.status]: (acc[a.status] ?? 0) + 1 }), {});
    // 404 "not recognised" for anything that is not a genuine token; 400 for a path that is not valid percent-encoding.
    expect(Object.keys(statuses).map(Number).every((s) => s === 404 || s === 400)).toBe(true);
    expect(answers.every((a) => a.status !== 404 || a.found[0])).toBe(true);
    expect(answers.filter((a) => a.stackTrace)).toEqual([]);
    // The genuine token still opens: the refusals did nothing to it.
    expect((await http.send({ path: `/r/${genuine}` })).status).toBe(200);
    // 10,000 requests: about 10 s on a quiet machine, three times that on a loaded one.
  }, 180_000);

  test('malformed and well-formed-but-unknown tokens get the same answer, and neither reaches the database', async () => {
    // Both are refused before any database read (the first by its shape, the second by its HMAC tag),
    // so neither the answer nor its time can reveal which tokens exist: what differs is an HMAC of 16
    // bytes, about a microsecond. Response times on a shared machine cannot show a microsecond, so this
    // asserts what sets them (no statement runs) and what an attacker reads (the answer, byte for byte).
    const malformed = (i: number) => `not-a-token-${i}`;
    const attackerKeys = keyRing([{ id: 'k1', secret: randomBytes(32) }]);
    const wellFormed = () => issueLinkToken(attackerKeys).token;
    portal.queries.length = 0;
    const answers = await inParallel(200, 10, (i) => http.send({ path: `/r/${i % 2 ? malformed(i) : wellFormed()}` }));
    expect(portal.queries).toEqual([]);
    // Left out: what changes with every request, whatever its token (the clock, the request's id, the limiter's count).
    const seen = (answer: (typeof answers)[number]) => {
      const { date: _date, 'x-request-id': _id, ratelimit: _remaining, ...headers } = answer.headers;
      return JSON.stringify({ status: answer.status, headers, text: answer.text });
    };
    const distinct = new Set(answers.map(seen));
    expect(distinct.size).toBe(1);
    expect(answers[0].status).toBe(404);
    expect(answers[0].text).toContain('This link is not recognised');
  });
});
