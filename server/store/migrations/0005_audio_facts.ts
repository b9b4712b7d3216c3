import type { Kysely, Migration } from 'kysely';
import type { SqlDialect } from '../sqlDialect';

/**
 * What ingest reads from a recording's container (music-metadata): codec, sample rate, channels and
 * bitrate beside its duration, which becomes a real number of seconds (an MP3 of 3.168 s is not 3 s).
 * SQLite keeps a fraction in an integer column as it is; PostgreSQL needs the type changed.
 */
export function audioFacts(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<any>) {
      if (dialect === 'postgres') {
        await db.schema.alterTable('recordings').alterColumn('duration_seconds', (c) => c.setDataType('double precision')).execute();
      }
      await db.schema.alterTable('recordings').addColumn('codec', 'text').execute();
      await db.schema.alterTable('recordings').addColumn('sample_rate', 'integer').execute();
      await db.schema.alterTable('recordings').addColumn('channels', 'integer').execute();
      await db.schema.alterTable('recordings').addColumn('bitrate', 'integer').execute();
    },
  };
}
