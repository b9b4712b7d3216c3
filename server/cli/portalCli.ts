import { chmod, mkdir, open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pino from 'pino';
import QRCode from 'qrcode';
import type { Clock } from '../clock';
import { ConfigError, loadConfig, type Config } from '../config';
import { openRuntime, portalLogger, type Runtime } from '../runtime';
import { dependencyFailure, isDependencyUnavailable } from '../errors';
import { ObjectStoreUnavailable } from '../objects/s3Objects';
import { connectDatabase, migrateToLatest } from '../store/database';
import { exportAuditLog, verifyAuditLog } from '../services/auditLog';
import { retentionSweep } from '../services/retention';
import { rotateFieldKeys } from '../services/keyRotation';
import { portalServices } from '../services';
import { InputError } from '../services/inputError';
import { staffServices } from '../staff';
import { providerAccounts } from '../api/providerApi';

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

class UsageError extends Error {}


function positiveInteger(values: Values, name: string): number | undefined {
  const text = values[name];
  if (typeof text !== 'string') return undefined;
  if (!/^[1-9]\d{0,6}$/.test(text)) throw new InputError(name, 'must be a whole number from 1 to 9999999');
  return Number(text);
}

function optionalDate(values: Values, name: string): Date | undefined {
  const text = values[name];
  if (typeof text !== 'string') return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new InputError(name, 'must be an ISO date or date and time');
  return date;
}

function required(values: Values, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

type Values = Record<string, string | boolean | undefined>;
type Services = ReturnType<typeof portalServices>;

interface CommandContext {
  config: Config;
  /** Opens the whole runtime (database, object store, SMS) on first use. */
  runtime(): Promise<Runtime>;
  services(): Promise<Services>;
  /** The command's answer is a failure (exit code 1), though it still prints its JSON. */
  fail(): void;
}

interface Command {
  options: Record<string, { type: 'string' | 'boolean' }>;
  run(context: CommandContext, values: Values): Promise<object>;
}

const COMMANDS: Record<string, Command> = {
  'providers add': {
    options: { name: { type: 'string' } },
    async run(context, values) {
      // The API key is printed once, here; only its hash is kept.
      return providerAccounts((await context.runtime()).deps).add(required(values, 'name'), 'operator-cli');
    },
  },
  'providers revoke': {
    options: { name: { type: 'string' } },
    async run(context, values) {
      return providerAccounts((await context.runtime()).deps).revoke(required(values, 'name'), 'operator-cli');
    },
  },
  'staff add': {
    options: { email: { type: 'string' }, role: { type: 'string' } },
    async run(context, values) {
      const runtime = await context.runtime();
      const created = await staffServices(runtime.deps, await context.services()).accounts.create({
        email: required(values, 'email'),
        role: required(values, 'role'),
        actor: 'operator-cli',
      });
      // The QR code is as secret as the URI: a file only its owner can read, to be deleted once scanned.
      const qrCodeFile = path.join(context.config.dataDir, 'staff-qr', `${created.id}.png`);
      await mkdir(path.dirname(qrCodeFile), { recursive: true, mode: 0o700 });
      await QRCode.toFile(qrCodeFile, created.otpauthUri, { type: 'png' });
      await chmod(qrCodeFile, 0o600);
      return { email: created.email, role: created.role, oneTimePassword: created.password, otpauthUri: created.otpauthUri, qrCodeFile };
    },
  },
  'db migrate': {
    options: {},
    async run({ config }) {
      const database = connectDatabase(config.database);
      try {
        const results = await migrateToLatest(database);
        return { database: database.dialect, applied: results.map((result) => result.migrationName) };
      } finally {
        await database.db.destroy();
      }
    },
  },
  'recordings add': {
    options: {
      file: { type: 'string' },
      ref: { type: 'string' },
      nino: { type: 'string' },
      phone: { type: 'string' },
      'recorded-at': { type: 'string' },
      language: { type: 'string' },
    },
    async run(context, values) {
      const recordedAtText = values['recorded-at'];
      const recordedAt = typeof recordedAtText === 'string' ? new Date(recordedAtText) : undefined;
      if (recordedAt && Number.isNaN(recordedAt.getTime())) throw new InputError('recorded-at', 'must be an ISO date and time');
      const language = values.language ?? 'en';
      if (language !== 'en' && language !== 'cy') throw new InputError('language', 'must be en or cy');
      const file = required(values, 'file');
      // Opened before anything else, so a wrong path is named at once; then streamed, never held.
      const handle = await open(file).catch(() => undefined);
      if (!handle || !(await handle.stat()).isFile()) {
        await handle?.close();
        throw new InputError('file', `cannot read ${file}`);
      }
      const audio = handle.createReadStream();
      return (await context.services()).registerRecording({
        audio,
        assessmentRef: required(values, 'ref'),
        nino: required(values, 'nino'),
        phone: required(values, 'phone'),
        recordedAt,
        language,
        actor: 'operator-cli',
      });
    },
  },
  'links send': {
    options: { recording: { type: 'string' }, phone: { type: 'string' }, reason: { type: 'string' } },
    async run(context, values) {
      const services = await context.services();
      const sent = await services.sendLink({
        recordingId: required(values, 'recording'),
        phone: values.phone as string | undefined,
        reason: values.reason as string | undefined,
        actor: 'operator-cli',
      });
      // sendLink has started sending it; wait for that. If the provider cannot take it now, the
      // portal's dispatcher retries it later.
      await services.dispatcher.settled();
      return { linkId: sent.linkId, expiresAt: sent.expiresAt.toISOString() };
    },
  },
  'retention sweep': {
    options: { 'dry-run': { type: 'boolean' } },
    async run(context, values) {
      const report = await retentionSweep((await context.runtime()).deps, { dryRun: values['dry-run'] === true, actor: 'operator-cli' });
      if (report.refused.length > 0) context.fail();
      return report;
    },
  },
  'keys rotate': {
    options: { batch: { type: 'string' }, 'max-batches': { type: 'string' } },
    async run(context, values) {
      return rotateFieldKeys((await context.runtime()).deps, {
        batchSize: positiveInteger(values, 'batch') ?? 500,
        maxBatches: positiveInteger(values, 'max-batches'),
        actor: 'operator-cli',
      });
    },
  },
  'audit verify': {
    options: {},
    async run(context) {
      const runtime = await context.runtime();
      const check = await verifyAuditLog(runtime.deps.store);
      if (!check.intact) context.fail();
      return check;
    },
  },
  'audit export': {
    options: { from: { type: 'string' }, to: { type: 'string' }, out: { type: 'string' } },
    async run(context, values) {
      const range = { from: optionalDate(values, 'from'), to: optionalDate(values, 'to') };
      const lines = await exportAuditLog((await context.runtime()).deps.store, range);
      const out = required(values, 'out');
      await writeFile(out, lines.length ? `${lines.join('\n')}\n` : '', { mode: 0o600 });
      return { file: out, events: lines.length };
    },
  },
  'sms dispatch': {
    options: {},
    async run(context) {
      return (await context.services()).dispatcher.drain();
    },
  },
};

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

  let runtime: Runtime | undefined;
  try {
    // The CLI starts its own embedded object store on a free port, so it works beside a running portal.
    const config = loadConfig({ ...io.env, EMBEDDED_S3_PORT: '0' });
    // Logs go to stderr: stdout carries only the command's JSON.
    const logger = portalLogger(io.env.LOG_LEVEL ?? 'warn', pino.destination(2));
    const openedRuntime = async () => (runtime ??= await openRuntime(config, { clock: io.clock, announce: io.err, logger }));
    let exitCode = 0;
    const result = await command.run(
      { config, runtime: openedRuntime, services: async () => portalServices((await openedRuntime()).deps), fail: () => (exitCode = 1) },
      values,
    );
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
    await runtime?.close();
  }
}
