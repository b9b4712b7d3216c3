import path from 'node:path';
import { duration, integer, optionalMatching, read, type Env } from './read';

/** The database, and the Redis that shares limits between instances. */
export function databaseSettings(env: Env, dataDir: string) {
  return {
    database: {
      /** PostgreSQL connection string; undefined means the embedded SQLite file. */
      url: optionalMatching(env, 'DATABASE_URL', /^postgres(ql)?:\/\/[^\s]+$/, 'a postgres:// connection string'),
      sqliteFile: path.join(dataDir, 'portal.sqlite'),
      poolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 1, 500),
      statementTimeoutMs: duration(env, 'DATABASE_STATEMENT_TIMEOUT', '5s'),
    },
    /** Redis for limits shared between instances; undefined keeps them in process memory. */
    redisUrl: optionalMatching(env, 'REDIS_URL', /^rediss?:\/\/[^\s]+$/, 'a redis:// or rediss:// URL'),
    /** Prepended to every Redis key, so several deployments (or test runs) can share one Redis. */
    redisKeyPrefix: read(env, 'REDIS_KEY_PREFIX') ?? 'portal:',
  };
}
