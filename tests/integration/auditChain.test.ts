import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import { ClaimantBrowser } from '../support/claimantBrowser';
import { CLAIMANT, startTestPortal, type TestPortal } from '../support/testPortal';
import { DATABASE_KINDS, freshPostgresSchema, POSTGRES_URL } from '../support/testServices';

describe.each(DATABASE_KINDS)('the audit log on %s', (kind) => {
  let portal: TestPortal;
  let schema: Awaited<ReturnType<typeof freshPostgresSchema>> | undefined;

  beforeEach(async () => {
    schema = kind === 'postgres' ? await freshPostgresSchema(POSTGRES_URL!) : undefined;
    portal = await startTestPortal(schema ? { DATABASE_URL: schema.url } : {});
    const { path } = await portal.recordingWithLink();
    const browser = new ClaimantBrowser(portal.app);
    await browser.get(path);
    await browser.enterNino(path, 'AB 65 43 21 D');
    await browser.enterNino(path, CLAIMANT.nino);
    await browser.download(path);
  });
  afterEach(async () => {
    await portal.close();
    await schema?.drop();
  });

  // Matched by message, not class: better-sqlite3 builds its errors in the first test file's realm.
  const APPEND_ONLY = { message: expect.stringMatching(/append-only/) };
  const verify = () => portal.cli('audit', 'verify');
  const ids = async () => (await portal.audit.auditEvents()).map((event) => event.id);

  /** What someone with write access to the database could do, once they get past the triggers. */
  async function tamper(statement: ReturnType<typeof sql>) {
    const db = portal.db;
    if (kind === 'postgres') {
      await sql`alter table audit_events disable trigger audit_events_append_only`.execute(db);
    } else {
      await sql`drop trigger audit_events_no_update`.execute(db);
      await sql`drop trigger audit_events_no_delete`.execute(db);
    }
    await statement.execute(db);
  }

  test('an intact chain verifies, with every event counted', async () => {
    const events = (await portal.audit.auditEvents()).length;
    expect(events).toBe(6);
    expect(await verify()).toEqual({ code: 0, json: { intact: true, events } });
  });

  test('the database refuses to update or delete an event', async () => {
    const [first] = await ids();
    await expect(sql`update audit_events set actor = 'someone else' where id = ${first}`.execute(portal.db)).rejects.toMatchObject(APPEND_ONLY);
    await expect(sql`delete from audit_events where id = ${first}`.execute(portal.db)).rejects.toMatchObject(APPEND_ONLY);
  });

  test('editing an event makes verify fail at that event', async () => {
    const target = (await ids())[3];
    await tamper(sql`update audit_events set detail = '{"download":99}' where id = ${target}`);
    expect(await verify()).toEqual({ code: 1, json: expect.objectContaining({ intact: false, brokenAt: target, reason: 'content does not match its hash' }) });
  });

  test('deleting an event makes verify fail at the event after it', async () => {
    const all = await ids();
    await tamper(sql`delete from audit_events where id = ${all[2]}`);
    expect(await verify()).toEqual({ code: 1, json: expect.objectContaining({ intact: false, brokenAt: all[3], reason: 'previous hash does not match' }) });
  });

  test('reordering two events makes verify fail at the first of them', async () => {
    const all = await ids();
    const [a, b] = [all[2], all[3]];
    await tamper(sql`update audit_events set type = case when id = ${a} then (select type from audit_events where id = ${b}) else (select type from audit_events where id = ${a}) end, detail = case when id = ${a} then (select detail from audit_events where id = ${b}) else (select detail from audit_events where id = ${a}) end where id in (${a}, ${b})`);
    expect(await verify()).toEqual({ code: 1, json: expect.objectContaining({ intact: false, brokenAt: a }) });
  });

  test('audit export writes the chosen period as JSON lines an auditor can re-check', async () => {
    const file = `${portal.dataDir}/audit.jsonl`;
    const exported = await portal.cli('audit', 'export', '--out', file, '--from', '2000-01-01', '--to', '2999-01-01');
    const lines = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(exported).toEqual({ code: 0, json: { file, events: lines.length } });
    expect(lines.map((line) => line.type)).toContain('recording.downloaded');
    expect(lines[1].prev_hash).toBe(lines[0].hash);
    expect(await portal.cli('audit', 'export', '--out', file, '--from', '2999-01-01')).toEqual({ code: 0, json: { file, events: 0 } });
    expect((await portal.cli('audit', 'export', '--out', file, '--from', 'last tuesday')).code).toBe(1);
  });
});
