import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';

type TestEnv = Partial<Record<'TEST_DATABASE_URL' | 'TEST_DATABASE_RUN' | 'JEST_WORKER_ID', string>>;

const uniqueName = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;
const databaseOf = (url: string) => decodeURIComponent(new URL(url).pathname.slice(1));
const withDatabase = (url: string, database: string) => Object.assign(new URL(url), { pathname: `/${database}` }).toString();

/**
 * One run of the suite (one `jest`, one Node leg of CI): a name its databases start with, made from
 * the database TEST_DATABASE_URL names. Set by the suite's global setup (tests/support/postgresRun.ts).
 */
export function newTestRun(baseUrl: string): string {
  const base = databaseOf(baseUrl).toLowerCase().replace(/[^a-z0-9_]/g, '_').slice(0, 30);
  return uniqueName(base || 'test');
}

/**
 * The PostgreSQL database a test process works in: its own per Jest worker of each run, so no two
 * processes ever share one. Kysely's migrator reads the tables of every schema in its database before
 * it takes its lock, and fails when another process drops one of them at that moment
 * (tests/resilience/schemaRace.test.ts); databases are invisible to each other, and so are their
 * migration locks. Outside a Jest run (bench) it is the database TEST_DATABASE_URL names.
 */
export function testDatabaseUrl(env: TestEnv): string | undefined {
  const { TEST_DATABASE_URL: base, TEST_DATABASE_RUN: run, JEST_WORKER_ID: worker } = env;
  if (!base || !run || !worker) return base;
  return withDatabase(base, `${run}_w${worker}`);
}

/** Database names are spliced into SQL (CREATE DATABASE takes no parameters): only these characters. */
function checkedName(database: string): string {
  if (!/^[a-z0-9_]{1,63}$/.test(database)) throw new Error(`unexpected test database name ${JSON.stringify(database)}`);
  return database;
}

/** The connection that creates and drops test databases: the database TEST_DATABASE_URL names. */
async function withMaintenance<T>(maintenanceUrl: string, work: (admin: Pool) => Promise<T>): Promise<T> {
  const admin = new Pool({ connectionString: maintenanceUrl, max: 1 });
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

const ALREADY_EXISTS = new Set(['42P04', '23505']);
const ensured = new Map<string, Promise<void>>();

/** Creates a worker's database the first time the worker needs it (template0: nobody ever connects to it). */
function ensureDatabase(url: string, maintenanceUrl: string): Promise<void> {
  const database = databaseOf(url);
  if (database === databaseOf(maintenanceUrl)) return Promise.resolve();
  let creating = ensured.get(database);
  if (!creating) {
    creating = withMaintenance(maintenanceUrl, async (admin) => {
      const { rowCount } = await admin.query('select 1 from pg_database where datname = $1', [database]);
      if (rowCount) return;
      await admin.query(`create database "${checkedName(database)}" template template0`).catch((error: { code?: string }) => {
        if (!ALREADY_EXISTS.has(error.code ?? '')) throw error;
      });
    });
    ensured.set(database, creating);
    creating.catch(() => ensured.delete(database));
  }
  return creating;
}

/** Drops the databases one run of the suite made (its global teardown; the schema race test's own). */
export async function dropRunDatabases(baseUrl: string, run: string): Promise<string[]> {
  return withMaintenance(baseUrl, async (admin) => {
    const { rows } = await admin.query<{ datname: string }>('select datname from pg_database where starts_with(datname, $1)', [`${run}_`]);
    // FORCE ends connections a test left open; every worker of the run has finished by now.
    for (const { datname } of rows) await admin.query(`drop database if exists "${checkedName(datname)}" with (force)`);
    return rows.map((row) => row.datname);
  });
}

/** Set by .ci/run when the machine's PostgreSQL and Redis are up; absent on a bare machine. */
export const POSTGRES_URL = testDatabaseUrl(process.env);
export const REDIS_URL = process.env.TEST_REDIS_URL;

/**
 * A PostgreSQL schema of its own for one test, in the database of the URL given (made first if it is
 * a worker's and not there yet). The connection string selects it through libpq's `options`
 * (search_path), as an operator could.
 */
export async function freshPostgresSchema(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  await ensureDatabase(baseUrl, process.env.TEST_DATABASE_URL ?? baseUrl);
  const schema = uniqueName('t');
  const admin = new Pool({ connectionString: baseUrl, max: 1 });
  await admin.query(`create schema ${schema}`);
  const url = new URL(baseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    async drop() {
      await admin.query(`drop schema ${schema} cascade`);
      await admin.end();
    },
  };
}

/** Redis keys are kept apart by prefix: a new one for every portal, so files, workers and legs never meet. */
export const uniqueRedisPrefix = () => `${uniqueName('test')}:`;

/** The databases every store test runs against: always SQLite, and PostgreSQL where it is available. */
export const DATABASE_KINDS: Array<'sqlite' | 'postgres'> = POSTGRES_URL ? ['sqlite', 'postgres'] : ['sqlite'];
