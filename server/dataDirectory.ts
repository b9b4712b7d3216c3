import { chmodSync, mkdirSync, statSync } from 'node:fs';
import type { Logger } from 'pino';
import { ConfigError } from './config/read';

const OWNER_ONLY = 0o700;
const octal = (mode: number) => `0${mode.toString(8).padStart(3, '0')}`;

/**
 * DATA_DIR holds claimants' data (the SQLite file, the embedded bucket, listening copies being made,
 * the outbox, development secrets): made if missing, and made readable by the portal's user only if it
 * was there with any other mode, since the umask governs only what is created. Returns the mode it
 * had when that changed. One that cannot be made so stops start-up, naming DATA_DIR.
 */
export function secureDataDirectory(dataDir: string): { changedFrom?: number } {
  try {
    mkdirSync(dataDir, { recursive: true, mode: OWNER_ONLY });
    const mode = statSync(dataDir).mode & 0o777;
    if (mode === OWNER_ONLY) return {};
    chmodSync(dataDir, OWNER_ONLY);
    return { changedFrom: mode };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // mkdir over a file says EEXIST (or ENOTDIR for a file on the way).
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new ConfigError('DATA_DIR', `${dataDir} is not a directory`);
    throw new ConfigError('DATA_DIR', `${dataDir} cannot be made a directory only the portal's user can open (${code ?? (error as Error).message}); give it to that user or choose another DATA_DIR`);
  }
}

/**
 * What every instance (the portal, the operator CLI) does before it opens anything: DATA_DIR made
 * private, and a word for each setting that was accepted but deserves one.
 */
export function prepareInstance(config: { dataDir: string; warnings: readonly string[] }, logger: Logger): void {
  const { changedFrom } = secureDataDirectory(config.dataDir);
  if (changedFrom !== undefined) {
    logger.warn({ dataDir: config.dataDir, previousMode: octal(changedFrom), mode: octal(OWNER_ONLY) }, `DATA_DIR was mode ${octal(changedFrom)}; it is now 0700, readable by the portal's user only`);
  }
  for (const warning of config.warnings) logger.warn(warning);
}
