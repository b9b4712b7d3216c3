import { parseArgs } from 'node:util';
import pino from 'pino';
import type { Clock } from '../clock';
import { ConfigError, loadConfig } from '../config';
import { openPortal, type Portal } from '../portal';
import { portalLogger } from '../runtime';
import { dependencyFailure, isDependencyUnavailable } from '../errors';
import { ObjectStoreUnavailable } from '../objects/s3Objects';
import { InputError } from '../services/inputError';
import { ACCOUNT_COMMANDS } from './accountCommands';
import { UsageError, type Command, type Values } from './command';
import { MAINTENANCE_COMMANDS } from './maintenanceCommands';
import { RECORDING_COMMANDS } from './recordingCommands';

export interface CliIo {
  env: Record<string, string | undefined>;
  out: (line: string) => void;
  err: (line: string) => void;
  clock?: Clock;
}

const USAGE = `usage: npm run portal -- <command>
  db migrate
  recordings add --file F --ref REF --nino NINO --phone MOBILE [--recorded-at ISO] [--language en|cy]
  links send --recording ID [--phone MOBILE --reason TEXT]
  staff add --email E --role agent|supervisor|auditor
  providers add --name N
  providers revoke --name N
  sms dispatch
  retention sweep [--dry-run]
  keys rotate [--batch N] [--max-batches N]
  audit verify
  audit export --out FILE [--from ISO] [--to ISO]`;

const COMMANDS: Record<string, Command> = { ...ACCOUNT_COMMANDS, ...RECORDING_COMMANDS, ...MAINTENANCE_COMMANDS };

/**
 * The operator CLI: each command prints exactly one JSON object on stdout and returns the exit code
 * (0 done, 1 refused input or configuration, 2 usage). Messages meant for people go to stderr.
 */
export async function runCli(args: string[], io: CliIo): Promise<number> {
  const name = args.slice(0, 2).join(' ');
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    io.err(USAGE);
    return 2;
  }
  let values: Values;
  try {
    values = parseArgs({ args: args.slice(2), options: command.options, strict: true, allowPositionals: false }).values;
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }

  let portal: Portal | undefined;
  try {
    // The CLI starts its own embedded object store on a free port, so it works beside a running portal.
    const config = loadConfig({ ...io.env, EMBEDDED_S3_PORT: '0' });
    // Logs go to stderr: stdout carries only the command's JSON.
    const logger = portalLogger(io.env.LOG_LEVEL ?? 'warn', pino.destination(2));
    const opened = async () => (portal ??= await openPortal(config, { clock: io.clock, announce: io.err, logger }));
    let exitCode = 0;
    const result = await command.run({ config, portal: opened, fail: () => (exitCode = 1) }, values);
    io.out(JSON.stringify(result));
    return exitCode;
  } catch (error) {
    if (error instanceof UsageError) {
      io.err(`${error.message}\n${USAGE}`);
      return 2;
    }
    if (error instanceof InputError || error instanceof ConfigError) {
      io.out(JSON.stringify({ error: error.message, ...(error instanceof InputError ? { field: error.field } : {}) }));
      return 1;
    }
    // Every command can be run again once the store is back (the retention sweep carries on where it stopped).
    if (isDependencyUnavailable(error)) {
      const store = error instanceof ObjectStoreUnavailable ? 'object storage' : 'the database';
      io.out(JSON.stringify({ error: `${store} is unavailable: run the command again when it is back`, reason: dependencyFailure(error).reason }));
      return 1;
    }
    throw error;
  } finally {
    await portal?.close();
  }
}
