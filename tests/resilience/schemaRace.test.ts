import { randomBytes } from 'node:crypto';
import { dropRunDatabases, freshPostgresSchema, testDatabaseUrl } from '../support/testServices';
import { openDatabase } from '../../server/store/database';

/**
 * Every test that uses PostgreSQL makes a schema, migrates it, starts portals on it and drops it.
 * Kysely's migrator, before it takes its lock, reads the tables of every schema in its database,
 * naming each schema as it goes; a schema another test process drops at that moment fails the
 * migration with `schema "t_…" does not exist`, naming the other process's schema. Here the test
 * processes of two Node legs, two Jest workers each, are played at once, each through the database
 * the harness gives it: no migration may fail.
 */
const BASE_URL = process.env.TEST_DATABASE_URL;
const CYCLES_PER_PROCESS = 8;
/** A file's later portals open its migrated schema again: the migrator reads every schema's tables each time. */
const OPENS_PER_SCHEMA = 4;
const LEGS = ['a', 'b'];
const WORKERS = ['1', '2'];

if (BASE_URL) {
  const runPrefix = `race_${randomBytes(4).toString('hex')}`;
  const processes = LEGS.flatMap((leg) => WORKERS.map((worker) => ({ TEST_DATABASE_URL: BASE_URL, TEST_DATABASE_RUN: `${runPrefix}_${leg}`, JEST_WORKER_ID: worker })));
  afterAll(async () => {
    for (const leg of LEGS) await dropRunDatabases(BASE_URL, `${runPrefix}_${leg}`);
  });

  const settings = (url: string) => ({ url, sqliteFile: '/nonexistent/unused.sqlite', poolSize: 2, statementTimeoutMs: 10_000 });
  const failures: string[] = [];
  let cycles = 0;

  /** One test process's life: schema after schema made, opened (migrated) a few times and dropped; it stops at the first failure anywhere. */
  async function testProcess(databaseUrl: string): Promise<void> {
    for (let cycle = 0; cycle < CYCLES_PER_PROCESS && failures.length === 0; cycle++) {
      const schema = await freshPostgresSchema(databaseUrl);
      try {
        for (let open = 0; open < OPENS_PER_SCHEMA; open++) await (await openDatabase(settings(schema.url))).db.destroy();
      } catch (error) {
        failures.push((error as Error).message);
      } finally {
        await schema.drop();
        cycles++;
      }
    }
  }

  test('test processes making, migrating and dropping schemas at once never fail one another', async () => {
    await Promise.all(processes.map((env) => testProcess(testDatabaseUrl(env)!)));
    expect({ failures, cycles }).toEqual({ failures: [], cycles: processes.length * CYCLES_PER_PROCESS });
  }, 300_000);
} else {
  test('PostgreSQL is configured in CI for the schema race', () => {
    // On a bare machine set TEST_DATABASE_URL (as .ci/run does). In CI its absence is a failure, not a silent pass.
    expect(process.env.CI).toBeFalsy();
  });
}
