import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { migrationProvider } from './migrations';
import type { Database } from './schema';

/** The embedded database: one SQLite file under DATA_DIR, shared safely by the portal and the CLI. */
export async function openSqliteDatabase(file: string, onQuery?: (sql: string) => void): Promise<Kysely<Database>> {
  mkdirSync(path.dirname(file), { recursive: true });
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: sqlite }),
    log: onQuery ? (event) => onQuery(event.query.sql) : undefined,
  });
  const { error } = await new Migrator({ db, provider: migrationProvider('sqlite') }).migrateToLatest();
  if (error) {
    await db.destroy();
    throw error;
  }
  return db;
}
