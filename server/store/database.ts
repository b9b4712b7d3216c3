import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type MigrationResult, type SqliteDatabase, type SqliteStatement } from 'kysely';
import type { Config } from '../config';
import { migrationProvider } from './migrations';
import { isPostgres, sqlDialectOf, type SqlDialect } from './sqlDialect';
import type { Database } from './schema';

export interface OpenDatabase {
  db: Kysely<Database>;
  dialect: SqlDialect;
}

type DatabaseSettings = Config['database'];

/**
 * The embedded database: one SQLite file under DATA_DIR, shared safely by the portal and the CLI.
 * Each database's client is loaded only when it is used, so a deployment loads one of them.
 */
function sqliteDialect(file: string): SqliteDialect {
  mkdirSync(path.dirname(file), { recursive: true });
  const SQLite: typeof import('better-sqlite3') = require('better-sqlite3');
  const sqlite = new SQLite(file);
  sqlite.pragma('journal_mode = WAL');
  // In WAL mode NORMAL never corrupts the file; it only lets an OS crash lose the last commits, and it
  // spares a disk flush on every commit (the embedded default's main cost per request).
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  return new SqliteDialect({ database: withStatementCache(sqlite) });
}

/** Distinct SQL texts the portal's queries compile to are a few hundred; past this the cache starts over. */
const STATEMENT_CACHE_SIZE = 1_000;

/**
 * Kysely prepares every statement afresh; compiling SQL costs as much as running a simple indexed
 * query, so each distinct SQL text is prepared once. Safe because Kysely runs one statement at a time
 * on the connection, so a cached statement is never in use twice.
 */
function withStatementCache(sqlite: SqliteDatabase): SqliteDatabase {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => sqlite.close(),
    prepare(text) {
      let statement = statements.get(text);
      if (!statement) {
        if (statements.size >= STATEMENT_CACHE_SIZE) statements.clear();
        statement = sqlite.prepare(text);
        statements.set(text, statement);
      }
      return statement;
    },
  };
}

/** Told of a PostgreSQL connection that failed (the server ended it, the network dropped it). */
export type ConnectionErrorListener = (error: Error) => void;

/**
 * Production: a pool per instance, every statement bounded so a stuck query cannot hold a request.
 *
 * A connection PostgreSQL ends (failover, a pgbouncer restart, pg_terminate_backend,
 * idle_in_transaction_session_timeout) emits 'error' on its client; with no listener that is an
 * uncaught exception and every instance stops at once. The pool listens only to idle clients (it
 * removes its listener while one is checked out), so each client gets its own listener for its whole
 * life: the query under way fails by itself (the request gets a 503, see isDatabaseUnavailable), and
 * the pool, seeing the client is no longer queryable, discards it on release and opens a new one.
 */
function postgresDialect(settings: DatabaseSettings & { url: string }, onConnectionError: ConnectionErrorListener): PostgresDialect {
  const { Pool }: typeof import('pg') = require('pg');
  const pool = new Pool({
    connectionString: settings.url,
    max: settings.poolSize,
    statement_timeout: settings.statementTimeoutMs,
    query_timeout: settings.statementTimeoutMs + 1000,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
  });
  pool.on('connect', (client) => client.on('error', onConnectionError));
  // An idle client's error reaches both its own listener and the pool's; the pool's is a no-op so it is reported once.
  pool.on('error', () => {});
  return new PostgresDialect({ pool });
}

const ignoreConnectionError: ConnectionErrorListener = () => {};

export function connectDatabase(settings: DatabaseSettings, onQuery?: (sql: string) => void, onConnectionError = ignoreConnectionError): OpenDatabase {
  const db = new Kysely<Database>({
    dialect: settings.url ? postgresDialect({ ...settings, url: settings.url }, onConnectionError) : sqliteDialect(settings.sqliteFile),
    log: onQuery ? (event) => onQuery(event.query.sql) : undefined,
  });
  return { db, dialect: sqlDialectOf(db) };
}

/**
 * Brings the schema to the latest migration. Safe when several instances start at once: Kysely's
 * migrator holds a PostgreSQL advisory lock (or SQLite's write lock) while it works.
 */
export async function migrateToLatest({ db, dialect }: OpenDatabase): Promise<MigrationResult[]> {
  // Kysely looks for its bookkeeping tables in every schema it can see; name ours, so a database
  // shared by several schemas (one per deployment, or per test) keeps them apart.
  const migrationTableSchema = isPostgres(db) ? (await sql<{ schema: string }>`select current_schema() as schema`.execute(db)).rows[0].schema : undefined;
  const { error, results } = await new Migrator({ db, provider: migrationProvider(dialect), migrationTableSchema }).migrateToLatest();
  if (error) throw error;
  return results ?? [];
}

export async function openDatabase(settings: DatabaseSettings, onQuery?: (sql: string) => void, onConnectionError?: ConnectionErrorListener): Promise<OpenDatabase> {
  const database = connectDatabase(settings, onQuery, onConnectionError);
  try {
    await migrateToLatest(database);
  } catch (error) {
    await database.db.destroy();
    throw error;
  }
  return database;
}

export async function pingDatabase(db: Kysely<Database>): Promise<void> {
  await sql`select 1`.execute(db);
}

const UNAVAILABLE_CODES = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', '57P01', '57P03', '57014', '53300']);

/**
 * Whether an error means "the database cannot serve us right now" (busy, locked, unreachable, shutting
 * down, too many connections, statement timeout, a connection it ended under a transaction) rather than a bug: such requests get a 503 page.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) return true;
  const message = (error as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && /Connection terminated|not queryable|timeout exceeded when trying to connect|connect ECONNREFUSED/i.test(message);
}
