import { parseDuration } from '../policy/duration';

/** One line naming the variable, so an operator knows exactly what to fix. */
export class ConfigError extends Error {
  constructor(variable: string, problem: string) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

export type Env = Record<string, string | undefined>;

/** A setting's value, trimmed; blank counts as unset. */
export function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `must be a whole number from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

/** `true` or `false` in any case; undefined for anything else. */
export function booleanText(raw: string): boolean | undefined {
  return /^(true|false)$/i.test(raw) ? raw.toLowerCase() === 'true' : undefined;
}

/** Every boolean setting reads through here: anything but true or false is a mistake worth stopping for, not a silent false. */
export function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = booleanText(raw);
  if (value === undefined) throw new ConfigError(name, `must be true or false, got "${raw}"`);
  return value;
}

export function duration(env: Env, name: string, fallback: string): number {
  const raw = read(env, name) ?? fallback;
  const ms = parseDuration(raw);
  if (ms === undefined) throw new ConfigError(name, `must be a duration such as 60s, 15m, 24h or 7d, got "${raw}"`);
  return ms;
}

/** An absolute URL, or a one-line error naming the variable. */
export function absoluteUrl(name: string, raw: string): URL {
  try {
    return new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an absolute URL, got "${raw}"`);
  }
}

/** An optional setting of a known shape, refused in one line: "NAME: must be <shape>". */
export function optionalMatching(env: Env, name: string, pattern: RegExp, shape: string): string | undefined {
  const value = read(env, name);
  if (value !== undefined && !pattern.test(value)) throw new ConfigError(name, `must be ${shape}`);
  return value;
}
