import { dropRunDatabases, newTestRun } from './testServices';

/**
 * Jest's global setup and teardown: each run (each `jest`, each Node leg of CI) gets a name its
 * PostgreSQL databases start with, one database per worker, made when the worker first needs one
 * and all dropped when the run ends. Workers are started after the setup and inherit its environment.
 */
const runMadeHere = Symbol.for('portal.testDatabaseRun');
type RunGlobal = typeof globalThis & { [runMadeHere]?: string };

export async function setUp(): Promise<void> {
  const baseUrl = process.env.TEST_DATABASE_URL;
  if (!baseUrl || process.env.TEST_DATABASE_RUN) return;
  process.env.TEST_DATABASE_RUN = newTestRun(baseUrl);
  (globalThis as RunGlobal)[runMadeHere] = process.env.TEST_DATABASE_RUN;
}

export async function tearDown(): Promise<void> {
  const run = (globalThis as RunGlobal)[runMadeHere];
  const baseUrl = process.env.TEST_DATABASE_URL;
  if (run && baseUrl) await dropRunDatabases(baseUrl, run);
}
