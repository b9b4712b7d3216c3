import type { Config } from '../config';
import type { Portal } from '../portal';
import { InputError } from '../services/inputError';

/** A command line the CLI cannot run as given: the usage is printed with it (exit code 2). */
export class UsageError extends Error {}

export type Values = Record<string, string | boolean | undefined>;

export interface CommandContext {
  config: Config;
  /** Opens the whole portal (database, object store, SMS, services) on first use; its jobs are not started. */
  portal(): Promise<Portal>;
  /** The command's answer is a failure (exit code 1), though it still prints its JSON. */
  fail(): void;
}

/** One operator command: its options, and what it prints (one JSON object). */
export interface Command {
  options: Record<string, { type: 'string' | 'boolean' }>;
  run(context: CommandContext, values: Values): Promise<object>;
}

export function required(values: Values, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

/** An option that may be left out; when given, its text. */
export function optional(values: Values, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function positiveInteger(values: Values, name: string): number | undefined {
  const text = optional(values, name);
  if (text === undefined) return undefined;
  if (!/^[1-9]\d{0,6}$/.test(text)) throw new InputError(name, 'must be a whole number from 1 to 9999999');
  return Number(text);
}

export function optionalDate(values: Values, name: string): Date | undefined {
  const text = optional(values, name);
  if (text === undefined) return undefined;
  const date = new Date(text);
  if (Number.isNaN(date.getTime())) throw new InputError(name, 'must be an ISO date or date and time');
  return date;
}
