import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { connectDatabase, migrateToLatest, openDatabase, type OpenDatabase } from '../../server/store/database';
import { verifyChain } from '../../server/policy/auditChain';
import { AuditChain } from '../../server/store/auditChain';
import type { NewRecording } from '../../server/store/recordingStore';
import { portalStores, type PortalStores } from '../../server/runtime';
import { DAY, HOUR } from '../support/testClock';
import { DATABASE_KINDS, freshPostgresSchema, POSTGRES_URL } from '../support/testServices';

const T0 = new Date('2026-11-23T10:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

describe.each(DATABASE_KINDS)('RecordingStore on %s', (kind) => {
  let store: PortalStores & { db: OpenDatabase['db'] };
  let settings: { url: string | undefined; sqliteFile: string; poolSize: number; statementTimeoutMs: number };
  let cleanup: () => Promise<void>;
  const events: string[] = [];

  beforeEach(async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'store-'));
    const schema = kind === 'postgres' ? await freshPostgresSchema(POSTGRES_URL!) : undefined;
    settings = { url: schema?.url, sqliteFile: path.join(dir, 'portal.sqlite'), poolSize: 20, statementTimeoutMs: 5000 };
    events.length = 0;
    const database = await openDatabase(settings);
    store = { db: database.db, ...portalStores(database, (type) => events.push(type)) };
    cleanup = async () => {
      await store.audit.close();
      await store.db.destroy();
      await schema?.drop();
      rmSync(dir, { recursive: true, force: true });
    };
  });
  afterEach(() => cleanup());

  let refCounter = 0;
  async function recording(overrides: Partial<NewRecording> = {}) {
    const id = `rec-${++refCounter}`;
    await store.recordings.addRecording(
      {
        id,
        assessment_ref: `REF-${refCounter}`,
        recorded_at: T0.toISOString(),
        retain_until: at(730 * DAY).toISOString(),
        object_key: `recordings/${id}.wav`,
        content_type: 'audio/wav',
        size_bytes: 1234,
        sha256: 'ab'.repeat(32),
        duration_seconds: 60,
        nino_hash: '$argon2id$x',
        nino_index: 'idx',
        phone_encrypted: 'v1.f1.x',
        language: 'en',
        ...overrides,
      },
      T0,
      'test',
    );
    return id;
  }

  // SQLite's and PostgreSQL's codes for a unique-constraint violation. (Matched by code, not by class:
  // better-sqlite3 builds its errors in the first test file's realm.)
  const UNIQUE_VIOLATION = { code: expect.stringMatching(/^SQLITE_CONSTRAINT_UNIQUE$|^23505$/) };

  const newLink = (recordingId: string, tokenHash: string) => ({ recordingId, tokenHash, keyId: 'k1', phoneMasked: '07*** ***123', issuedBy: 'test', reason: 'first link' });
  const MESSAGE = { language: 'en', payloadEncrypted: 'v1.f1.sealed', encoding: 'GSM-7', segments: 1 };
  const issue = async (recordingId: string, tokenHash: string, at: Date) => {
    const issued = await store.links.issueLink(newLink(recordingId, tokenHash), MESSAGE, at);
    if (!issued.issued) throw new Error(`link refused: ${JSON.stringify(issued.refusal)}`);
    return issued.link;
  };

  test('migrations are idempotent and safe when several instances run them at once', async () => {
    const racers = Array.from({ length: 3 }, () => connectDatabase(settings));
    try {
      const results = await Promise.all(racers.map((racer) => migrateToLatest(racer)));
      expect(results.flat()).toEqual([]);
    } finally {
      await Promise.all(racers.map((racer) => racer.db.destroy()));
    }
  });

  test('stores and finds a recording by id and by reference', async () => {
    const id = await recording();
    expect(await store.recordings.findRecording(id)).toMatchObject({ id, size_bytes: 1234, duration_seconds: 60, deleted_at: null });
    expect((await store.recordings.findRecordingByRef('REF-' + refCounter))?.id).toBe(id);
    expect(await store.recordings.findRecording('missing')).toBeUndefined();
    await expect(recording({ assessment_ref: 'REF-' + refCounter })).rejects.toMatchObject(UNIQUE_VIOLATION);
  });

  test('issuing a link revokes every earlier one, in one transaction, and audits both', async () => {
    const id = await recording();
    const first = await issue(id, 'h1', T0);
    const second = await issue(id, 'h2', at(HOUR));
    expect((await store.links.findLink(first.id))!.revoked_at).toBe(at(HOUR).toISOString());
    expect((await store.links.findLink(second.id))!.revoked_at).toBeNull();
    expect((await store.links.findLinkByTokenHash('h2'))!.recording.id).toBe(id);
    expect(events).toEqual(['recording.registered', 'link.issued', 'link.revoked', 'link.issued']);
    await expect(issue(id, 'h2', at(HOUR))).rejects.toMatchObject(UNIQUE_VIOLATION);
  });

  test('wrong NINOs are counted and the fifth locks the link; later ones change nothing', async () => {
    const link = await issue(await recording(), 'h', T0);
    for (let attempt = 1; attempt <= 4; attempt++) expect(await store.ninoAttempts.recordWrongNino(link.id, T0, 5)).toEqual({ failedAttempts: attempt, locked: false });
    expect(await store.ninoAttempts.recordWrongNino(link.id, at(1000), 5)).toEqual({ failedAttempts: 5, locked: true });
    expect(await store.ninoAttempts.recordWrongNino(link.id, at(2000), 5)).toEqual({ failedAttempts: 5, locked: true });
    const row = (await store.links.findLink(link.id))!;
    expect(row.failed_attempts).toBe(5);
    expect(row.locked_at).toBe(at(1000).toISOString());
  });

  test('20 wrong NINOs at once leave the counter at exactly the limit', async () => {
    const link = await issue(await recording(), 'h', T0);
    await Promise.all(Array.from({ length: 20 }, () => store.ninoAttempts.recordWrongNino(link.id, T0, 5)));
    expect((await store.links.findLink(link.id))!.failed_attempts).toBe(5);
    expect(events.filter((e) => e === 'nino.failed')).toHaveLength(5);
    expect(events.filter((e) => e === 'link.locked')).toHaveLength(1);
  });

  test('50 NINO attempts reserved at once: exactly 5 are granted; a failure keeps its place and a release gives it back', async () => {
    const link = await issue(await recording(), 'h', T0);
    const reservations = await Promise.all(Array.from({ length: 50 }, () => store.ninoAttempts.reserveNinoAttempt(link.id, T0, 5)));
    expect(reservations.filter((r) => r !== undefined)).toEqual(Array.from({ length: 5 }, () => ({ sessionGeneration: 0 })));
    await store.ninoAttempts.recordWrongNino(link.id, T0, 5);
    await store.ninoAttempts.releaseNinoAttempt(link.id);
    expect(await store.links.findLink(link.id)).toMatchObject({ failed_attempts: 1, attempts_in_flight: 3 });
    expect(await store.ninoAttempts.reserveNinoAttempt(link.id, T0, 5)).toBeDefined();
    expect(await store.ninoAttempts.reserveNinoAttempt(link.id, T0, 5)).toBeUndefined();
  });

  test('an unlock frees every attempt and moves the session generation on', async () => {
    const link = await issue(await recording(), 'h', T0);
    for (let i = 0; i < 5; i++) {
      await store.ninoAttempts.reserveNinoAttempt(link.id, T0, 5);
      await store.ninoAttempts.recordWrongNino(link.id, T0, 5);
    }
    expect(await store.ninoAttempts.reserveNinoAttempt(link.id, T0, 5)).toBeUndefined();
    expect(await store.links.unlockLink(link.id, at(1), 'staff', 'identity checked')).toBe(true);
    expect(await store.ninoAttempts.reserveNinoAttempt(link.id, at(2), 5)).toEqual({ sessionGeneration: 1 });
  });

  const window = (now: Date) => ({ now, sentAfter: new Date(now.getTime() - 7 * DAY), firstDownloadAfter: new Date(now.getTime() - DAY), device: 'phone' });

  test('a grant is redeemed once; the first download time is kept and the count grows', async () => {
    const link = await issue(await recording(), 'h', T0);
    const first = await store.links.redeemDownload({ grantId: 'g1', linkId: link.id, ...window(at(HOUR)) });
    expect(first).toEqual({ ok: true, firstDownloadAt: at(HOUR), downloadCount: 1 });
    expect(await store.links.redeemDownload({ grantId: 'g1', linkId: link.id, ...window(at(HOUR)) })).toEqual({ ok: false });
    const second = await store.links.redeemDownload({ grantId: 'g2', linkId: link.id, ...window(at(2 * HOUR)) });
    expect(second).toEqual({ ok: true, firstDownloadAt: at(HOUR), downloadCount: 2 });
  });

  test('50 redemptions of one grant at once: exactly one succeeds', async () => {
    const link = await issue(await recording(), 'h', T0);
    const results = await Promise.all(Array.from({ length: 50 }, () => store.links.redeemDownload({ grantId: 'same', linkId: link.id, ...window(at(HOUR)) })));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect((await store.links.findLink(link.id))!.download_count).toBe(1);
  });

  test('a download is refused once the link is revoked, locked, or outside its window', async () => {
    const id = await recording();
    const revoked = await issue(id, 'h1', T0);
    const current = await issue(id, 'h2', T0);
    expect(await store.links.redeemDownload({ grantId: 'a', linkId: revoked.id, ...window(at(HOUR)) })).toEqual({ ok: false });
    expect(await store.links.redeemDownload({ grantId: 'b', linkId: current.id, ...window(at(7 * DAY)) })).toEqual({ ok: false });
    expect((await store.links.redeemDownload({ grantId: 'c', linkId: current.id, ...window(at(HOUR)) })).ok).toBe(true);
    expect(await store.links.redeemDownload({ grantId: 'd', linkId: current.id, ...window(at(HOUR + DAY)) })).toEqual({ ok: false });
    expect((await store.links.redeemDownload({ grantId: 'e', linkId: current.id, ...window(at(HOUR + DAY - 1)) })).ok).toBe(true);
    for (let i = 0; i < 5; i++) await store.ninoAttempts.recordWrongNino(current.id, at(2 * HOUR), 5);
    expect(await store.links.redeemDownload({ grantId: 'f', linkId: current.id, ...window(at(3 * HOUR)) })).toEqual({ ok: false });
  });

  test('the audit trail is in order and filtered by link or recording', async () => {
    const id = await recording();
    const link = await issue(id, 'h', T0);
    await store.audit.recordEvent(at(1), { type: 'link.opened', actor: 'claimant', recordingId: id, linkId: link.id, detail: { device: 'phone' } });
    expect((await store.audit.auditTrail({ linkId: link.id })).map((e) => e.type)).toEqual(['link.issued', 'link.opened']);
    expect((await store.audit.auditTrail({ recordingId: id })).map((e) => e.type)).toEqual(['recording.registered', 'link.issued', 'link.opened']);
    const opened = (await store.audit.auditTrail({ linkId: link.id }))[1];
    expect(JSON.parse(opened.detail)).toEqual({ device: 'phone' });
    expect(typeof opened.id).toBe('number');
  });

  test('events recorded in one turn of the event loop share a commit, and each is in the chain once, in the order recorded', async () => {
    const id = await recording();
    const link = await issue(id, 'h', T0);
    const transactions = () => store.db.selectFrom('audit_events').select((eb) => eb.fn.count<number>('id').as('n')).executeTakeFirstOrThrow();
    const before = Number((await transactions()).n);
    const statements: string[] = [];
    const countingDb = connectDatabase(settings, (sql) => statements.push(sql)).db;
    const counting = new AuditChain(countingDb, (type) => events.push(type));
    try {
      events.length = 0;
      // Each from a callback of its own, as requests read in one turn are: all run before the commit starts.
      await Promise.all(
        Array.from(
          { length: 200 },
          (_, i) =>
            new Promise<void>((resolve, reject) =>
              setImmediate(() => counting.recordEvent(at(i), { type: 'link.opened', actor: 'claimant', linkId: link.id, detail: { n: i } }).then(resolve, reject)),
            ),
        ),
      );
      expect(events).toHaveLength(200);
      expect(statements.filter((text) => /^begin/i.test(text))).toHaveLength(1);
    } finally {
      await counting.close();
      await countingDb.destroy();
    }
    const trail = await store.audit.auditTrail({ linkId: link.id });
    expect(trail.filter((e) => e.type === 'link.opened').map((e) => JSON.parse(e.detail).n)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(Number((await transactions()).n)).toBe(before + 200);
    expect(verifyChain(await store.audit.auditEvents())).toEqual({ intact: true, events: before + 200 });
  });

  test('when a commit fails, every event queued in it is refused and none of them is written', async () => {
    const id = await recording();
    // The database refusing one row (as it would a full disk or a lost connection) fails its whole batch.
    if (kind === 'postgres') {
      await sql`create function refuse_audit() returns trigger language plpgsql as $$
        begin if new.actor = 'refused' then raise exception 'refused'; end if; return new; end $$`.execute(store.db);
      await sql`create trigger refuse_audit before insert on audit_events for each row execute function refuse_audit()`.execute(store.db);
    } else {
      await sql`create trigger refuse_audit before insert on audit_events when new.actor = 'refused' begin select raise(abort, 'refused'); end`.execute(store.db);
    }
    const count = async () => (await store.audit.auditEvents()).length;
    const before = await count();
    await store.audit.recordEvent(at(1), { type: 'link.opened', actor: 'claimant', recordingId: id });
    const results = await Promise.allSettled([
      store.audit.recordEvent(at(2), { type: 'link.opened', actor: 'refused', recordingId: id }),
      store.audit.recordEvent(at(3), { type: 'link.opened', actor: 'claimant', recordingId: id }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await count()).toBe(before + 1);
    await store.audit.recordEvent(at(4), { type: 'link.opened', actor: 'claimant', recordingId: id });
    expect(await count()).toBe(before + 2);
    expect(verifyChain(await store.audit.auditEvents())).toEqual({ intact: true, events: before + 2 });
  });

  test('an event that cannot be written fails alone, before it is queued', async () => {
    const id = await recording();
    const before = (await store.audit.auditEvents()).length;
    const results = await Promise.allSettled([
      store.audit.recordEvent(at(1), { type: 'link.opened', actor: 'claimant', recordingId: id }),
      store.audit.recordEvent(new Date(Number.NaN), { type: 'link.opened', actor: 'claimant', recordingId: id }),
      store.audit.recordEvent(at(3), { type: 'link.opened', actor: 'claimant', recordingId: id }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((await store.audit.auditEvents()).length).toBe(before + 2);
  });

  test('ping answers while the database is reachable', async () => {
    await expect(store.recordings.ping()).resolves.toBeUndefined();
  });
});
