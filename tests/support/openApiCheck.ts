import type { Response } from 'supertest';
import { OPENAPI_DOCUMENT } from '../../server/api/openapi';
import { UUID } from '../../server/policy/uuid';

type Schema = Record<string, any>;
const doc = OPENAPI_DOCUMENT as unknown as Schema;

function resolve(schema: Schema): Schema {
  if (typeof schema.$ref !== 'string') return schema;
  return schema.$ref
    .slice(2)
    .split('/')
    .reduce((node: Schema, part: string) => node[part], doc);
}

const FORMATS: Record<string, RegExp> = {
  'date-time': /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/,
  uuid: UUID,
};

const typeOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value);

/**
 * The part of JSON Schema 2020-12 the API document uses (type, enum, pattern, format, required,
 * properties, additionalProperties: false, oneOf, $ref). Returns what does not match, by path.
 */
export function schemaErrors(value: unknown, schemaIn: Schema, at = '$'): string[] {
  const schema = resolve(schemaIn);
  if (schema.oneOf) {
    const matching = (schema.oneOf as Schema[]).filter((option) => schemaErrors(value, option, at).length === 0).length;
    return matching === 1 ? [] : [`${at}: matches ${matching} of oneOf`];
  }
  const errors: string[] = [];
  const actual = typeOf(value);
  if (schema.type && !(schema.type === actual || (schema.type === 'number' && actual === 'integer'))) return [`${at}: expected ${schema.type}, got ${actual}`];
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${at}: ${JSON.stringify(value)} not in enum`);
  if (typeof value === 'string') {
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) errors.push(`${at}: does not match ${schema.pattern}`);
    if (schema.format && FORMATS[schema.format] && !FORMATS[schema.format].test(value)) errors.push(`${at}: not a ${schema.format}`);
  }
  if (actual === 'object') {
    const object = value as Record<string, unknown>;
    for (const name of schema.required ?? []) if (!(name in object)) errors.push(`${at}.${name}: required`);
    for (const [name, child] of Object.entries(object)) {
      const childSchema = schema.properties?.[name];
      if (childSchema) errors.push(...schemaErrors(child, childSchema, `${at}.${name}`));
      else if (schema.additionalProperties === false) errors.push(`${at}.${name}: not allowed`);
    }
  }
  return errors;
}

function operationFor(method: string, path: string): Schema {
  for (const [template, item] of Object.entries(doc.paths as Record<string, Schema>)) {
    const pattern = new RegExp(`^/api/v1${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
    if (pattern.test(path) && item[method]) return item[method];
  }
  throw new Error(`the OpenAPI document has no ${method.toUpperCase()} ${path}`);
}

/** Fails unless the response's status, content type and body are all in the OpenAPI document. */
export function expectMatchesOpenApi(response: Response, method: 'get' | 'post' | 'put', path: string): void {
  const operation = operationFor(method, path.split('?')[0]);
  const documented = operation.responses[String(response.status)];
  if (!documented) throw new Error(`${method.toUpperCase()} ${path} answered ${response.status}, which the OpenAPI document does not list`);
  const contentType = String(response.headers['content-type'] ?? '').split(';')[0];
  const media = documented.content?.[contentType];
  if (!media) throw new Error(`${method.toUpperCase()} ${path} ${response.status} answered ${contentType}, which the OpenAPI document does not list`);
  const body = JSON.parse(response.text);
  expect({ path, status: response.status, errors: schemaErrors(body, media.schema) }).toEqual({ path, status: response.status, errors: [] });
}
