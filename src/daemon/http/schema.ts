/**
 * A small schema checker for JSON request bodies: the API's edge validation.
 * `check` walks a parsed JSON value against a schema and returns a clean copy
 * holding only the fields the schema lists (unknown input fields are ignored,
 * as Docker ignores them), or throws 'invalid-argument' naming the offending
 * field. `null` is kept where the field is `nullable` and otherwise treated as
 * absent (Go's zero value). A field the Engine types gain must be added to its
 * schema (schemas.ts) to reach the engine.
 */
import { invalidArgument } from '../../lib/errors.ts';

/** Flags any schema node may carry. */
interface Flags {
  nullable?: boolean;
  required?: boolean;
}

export type Schema = Flags &
  (
    | { type: 'string' }
    | { type: 'boolean' }
    | { type: 'integer'; min?: number }
    | { type: 'number' }
    | { type: 'enum'; values: readonly string[] }
    | { type: 'array'; items: Schema; length?: number }
    | { type: 'map'; values: Schema }
    | { type: 'object'; fields: Readonly<Record<string, Schema>> }
    | { type: 'any' }
    /** Docker's StrSlice: a string or an array of strings, normalized to an array. */
    | { type: 'strslice' }
  );

export const str: Schema = { type: 'string' };
export const bool: Schema = { type: 'boolean' };
export const int: Schema = { type: 'integer' };
export const num: Schema = { type: 'number' };
export const any: Schema = { type: 'any' };
export const strslice: Schema = { type: 'strslice' };
export const arr = (items: Schema, length?: number): Schema =>
  length === undefined ? { type: 'array', items } : { type: 'array', items, length };
export const map = (values: Schema): Schema => ({ type: 'map', values });
export const obj = (fields: Record<string, Schema>): Schema => ({ type: 'object', fields });
export const oneOf = (...values: string[]): Schema => ({ type: 'enum', values });
export const nullable = (s: Schema): Schema => ({ ...s, nullable: true });
export const required = (s: Schema): Schema => ({ ...s, required: true });

/** Checks `value` against `schema`; `what` prefixes error messages (e.g. "invalid JSON"). */
export function check(schema: Schema, value: unknown, what = 'invalid JSON'): unknown {
  return walk(schema, value, '', what);
}

function fail(what: string, path: string, expected: string, got: unknown): never {
  const where = path === '' ? '' : `${path}: `;
  throw invalidArgument(`${what}: ${where}expected ${expected}, got ${describe(got)}`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return `number ${v}`;
  if (typeof v === 'string') return `string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  return typeof v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function walk(schema: Schema, value: unknown, path: string, what: string): unknown {
  switch (schema.type) {
    case 'any':
      return value;
    case 'string':
      if (typeof value !== 'string') fail(what, path, 'a string', value);
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') fail(what, path, 'a boolean', value);
      return value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) fail(what, path, 'a number', value);
      return value;
    case 'integer':
      if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail(what, path, 'an integer', value);
      if (schema.min !== undefined && value < schema.min) fail(what, path, `an integer >= ${schema.min}`, value);
      return value;
    case 'enum':
      if (typeof value !== 'string' || !schema.values.includes(value)) {
        fail(what, path, `one of ${schema.values.map((v) => JSON.stringify(v)).join(', ')}`, value);
      }
      return value;
    case 'strslice':
      if (typeof value === 'string') return [value];
      if (!Array.isArray(value) || !value.every((x) => typeof x === 'string')) {
        fail(what, path, 'a string or an array of strings', value);
      }
      return [...value];
    case 'array': {
      if (!Array.isArray(value)) fail(what, path, 'an array', value);
      if (schema.length !== undefined && value.length !== schema.length) {
        fail(what, path, `an array of ${schema.length} elements`, value);
      }
      return value.map((item, i) => walkValue(schema.items, item, `${path}[${i}]`, what));
    }
    case 'map': {
      if (!isPlainObject(value)) fail(what, path, 'an object', value);
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        const r = walkValue(schema.values, v, join(path, k), what);
        if (r !== undefined) out[k] = r;
      }
      return out;
    }
    case 'object': {
      if (!isPlainObject(value)) fail(what, path, 'an object', value);
      const out: Record<string, unknown> = {};
      for (const [k, fieldSchema] of Object.entries(schema.fields)) {
        const v = Object.hasOwn(value, k) ? value[k] : undefined;
        if (v === undefined) {
          if (fieldSchema.required) throw invalidArgument(`${what}: ${join(path, k)} is required`);
          continue;
        }
        const r = walkValue(fieldSchema, v, join(path, k), what);
        if (r !== undefined) out[k] = r;
      }
      return out;
    }
  }
}

/** Applies null handling, then checks the value. Returns undefined for a dropped null. */
function walkValue(schema: Schema, value: unknown, path: string, what: string): unknown {
  if (value === null) {
    if (schema.nullable || schema.type === 'any') return null;
    if (schema.required) throw invalidArgument(`${what}: ${path} is required`);
    return undefined;
  }
  return walk(schema, value, path, what);
}

function join(path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`;
}
