import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';

type TestEnv = Partial<Record<'TEST_DATABASE_URL' | 'TEST_DATABASE_RUN' | 'JEST_WORKER_ID', string>>;

/**
 * The PostgreSQL database a test process works in. Today every Jest worker, and every run on the
 * machine, shares the one TEST_DATABASE_URL names.
 */
export function testDatabaseUrl(env: TestEnv): string | undefined {
  return env.TEST_DATABASE_URL;
}

/** Drops the databases one run of the suite made (none while every run shares one database). */
export async function dropRunDatabases(_baseUrl: string, _run: string): Promise<string[]> {
  return [];
}

/** Set by .ci/run when the machine's PostgreSQL and Redis are up; absent on a bare machine. */
export const POSTGRES_URL = testDatabaseUrl(process.env);
export const REDIS_URL = process.env.TEST_REDIS_URL;

const uniqueName = (prefix: string) => `${prefix}_${randomBytes(6).toString('hex')}`;

/**
 * A PostgreSQL schema of its own for one test, so test files can run in parallel on one database.
 * The connection string selects it through libpq's `options` (search_path), as an operator could.
 */
export async function freshPostgresSchema(baseUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
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

export const uniqueRedisPrefix = () => `${uniqueName('test')}:`;

/** The databases every store test runs against: always SQLite, and PostgreSQL where it is available. */
export const DATABASE_KINDS: Array<'sqlite' | 'postgres'> = POSTGRES_URL ? ['sqlite', 'postgres'] : ['sqlite'];
