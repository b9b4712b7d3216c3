import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { availableInSql, recordingAvailability, type RecordingDates } from '../../server/policy/recordingAvailability';

const NOW = new Date('2026-03-01T12:00:00.000Z');
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs).toISOString();
const live: RecordingDates = { deleted_at: null, deletion_requested_at: null, retain_until: at(86_400_000) };

const CASES: Array<[string, RecordingDates]> = [
  ['live, retained until tomorrow', live],
  ['retained until a millisecond from now', { ...live, retain_until: at(1) }],
  ['retained until exactly now (the end is exclusive)', { ...live, retain_until: at(0) }],
  ['retained until a millisecond ago', { ...live, retain_until: at(-1) }],
  ['asked to be deleted, still within retention', { ...live, deletion_requested_at: at(-60_000) }],
  ['deleted (a tombstone)', { ...live, deleted_at: at(-60_000) }],
  ['deleted after a deletion request, past retention', { deleted_at: at(-1), deletion_requested_at: at(-2), retain_until: at(-3) }],
];

describe('availableInSql (recording availability as the stores check it in SQL)', () => {
  let db: Kysely<{ recordings: RecordingDates & { id: string } }>;

  beforeAll(async () => {
    db = new Kysely({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) });
    await db.schema
      .createTable('recordings')
      .addColumn('id', 'text', (c) => c.primaryKey())
      .addColumn('deleted_at', 'text')
      .addColumn('deletion_requested_at', 'text')
      .addColumn('retain_until', 'text', (c) => c.notNull())
      .execute();
    await db
      .insertInto('recordings')
      .values(CASES.map(([id, dates]) => ({ id, ...dates })))
      .execute();
  });

  afterAll(() => db.destroy());

  test.each(CASES)('agrees with recordingAvailability: %s', async (id, dates) => {
    const found = await db.selectFrom('recordings').select('id').where('id', '=', id).where((eb) => availableInSql(eb, NOW)).executeTakeFirst();
    expect(found !== undefined).toBe(recordingAvailability(dates, NOW).available);
  });
});
