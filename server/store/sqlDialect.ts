import { PostgresAdapter, type Kysely } from 'kysely';

/** The two databases the portal runs on; a leaf module, so migrations and stores import it without a cycle. */
export type SqlDialect = 'sqlite' | 'postgres';

/**
 * The one way to ask which database a connection (or a transaction on it) speaks: PostgreSQL has row
 * locks and SKIP LOCKED, SQLite one writer. Asked of the connection itself, so no caller can be told wrong.
 */
export function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export const sqlDialectOf = (db: Kysely<any>): SqlDialect => (isPostgres(db) ? 'postgres' : 'sqlite');
