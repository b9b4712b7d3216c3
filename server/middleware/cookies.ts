import type { RequestHandler } from 'express';

function decoded(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The Cookie header as name → string: the first value of each name wins; a value is percent-decoded
 * when it decodes, and kept as sent when it does not.
 */
export function parseCookieHeader(header: string | undefined): Record<string, string> {
  const cookies: Record<string, string> = Object.create(null);
  for (const pair of header?.split(';') ?? []) {
    const separator = pair.indexOf('=');
    if (separator === -1) continue;
    const name = pair.slice(0, separator).trim();
    if (name === '' || name in cookies) continue;
    const value = pair.slice(separator + 1).trim();
    cookies[name] = decoded(value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value);
  }
  return cookies;
}

/**
 * `req.cookies`, every value a string. Not cookie-parser: it turns a value starting with `j:` into the
 * JSON it holds (a number, an object), so `staff_csrf=j:1` reached csrf-csrf as a number and every
 * staff page answered 500.
 */
export function plainCookies(): RequestHandler {
  return (req, _res, next) => {
    req.cookies = parseCookieHeader(req.headers.cookie);
    next();
  };
}
