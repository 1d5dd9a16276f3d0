/**
 * Request decoding at the API's edge: query parameters parsed the way Docker
 * parses them, `filters`, JSON bodies, and the few checks Docker's API layer
 * makes itself (container names, exec commands). Every failure is an
 * 'invalid-argument' BerthError (400) with a message naming the input.
 */
import { invalidArgument } from '../../lib/errors.ts';
import type { Filters } from '../../engine/types.ts';
import type { ApiRequest } from './router.ts';
import { check, type Schema } from './schema.ts';

/** Docker's `BoolValue`: absent → `dflt`; '', '0', 'no', 'false', 'none' (any case) → false; anything else → true. */
export function queryBool(q: URLSearchParams, key: string, dflt = false): boolean {
  const raw = q.get(key);
  if (raw === null) return dflt;
  const s = raw.trim().toLowerCase();
  return !(s === '' || s === '0' || s === 'no' || s === 'false' || s === 'none');
}

/** Like {@link queryBool} but undefined when absent, so the engine applies its default. */
export function queryOptionalBool(q: URLSearchParams, key: string): boolean | undefined {
  return q.has(key) ? queryBool(q, key) : undefined;
}

/** A non-empty string parameter, else undefined. */
export function queryString(q: URLSearchParams, key: string): string | undefined {
  const v = q.get(key);
  return v === null || v === '' ? undefined : v;
}

/** A decimal integer parameter; absent or empty → undefined; anything else → 400. */
export function queryInt(q: URLSearchParams, key: string): number | undefined {
  const raw = q.get(key);
  if (raw === null || raw.trim() === '') return undefined;
  const s = raw.trim();
  if (!/^[+-]?\d+$/.test(s))
    throw invalidArgument(`invalid value for "${key}": ${JSON.stringify(raw)} is not an integer`);
  const n = Number.parseInt(s, 10);
  if (!Number.isSafeInteger(n))
    throw invalidArgument(`invalid value for "${key}": ${JSON.stringify(raw)} is out of range`);
  return n;
}

/** Like {@link queryInt}, but the parameter must be present. */
export function queryRequiredInt(q: URLSearchParams, key: string): number {
  const n = queryInt(q, key);
  if (n === undefined) throw invalidArgument(`missing parameter "${key}": an integer is required`);
  return n;
}

/** A Unix timestamp in Docker's `seconds[.nanoseconds]` form (logs since/until); absent, empty or "0" → undefined. */
export function queryTimestamp(q: URLSearchParams, key: string): number | undefined {
  const raw = q.get(key);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+(\.\d{1,9})?$/.test(raw)) {
    throw invalidArgument(
      `invalid value for "${key}": ${JSON.stringify(raw)} is not a Unix timestamp (seconds[.nanoseconds])`,
    );
  }
  const n = Number(raw);
  return n === 0 ? undefined : n;
}

/** The `filters` parameter decoded, or undefined when absent or empty. */
export function queryFilters(q: URLSearchParams, key = 'filters'): Filters | undefined {
  const raw = q.get(key);
  if (raw === null || raw === '') return undefined;
  return parseFilters(raw);
}

/**
 * Parses Docker's filters JSON: the current `{"key":{"value":true}}` form and
 * the legacy `{"key":["value"]}` form. In the map form every listed value
 * counts, whatever its boolean (as Docker's `Args.Get`).
 */
export function parseFilters(raw: string): Filters {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw invalidArgument(`invalid filter: ${(err as Error).message}`);
  }
  if (parsed === null) return {};
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidArgument('invalid filter: expected a JSON object of filter names to values');
  }
  const out: Filters = {};
  for (const [name, values] of Object.entries(parsed)) {
    if (Array.isArray(values) && values.every((v) => typeof v === 'string')) {
      out[name] = [...values];
    } else if (
      typeof values === 'object' &&
      values !== null &&
      !Array.isArray(values) &&
      Object.values(values).every((v) => typeof v === 'boolean')
    ) {
      out[name] = Object.keys(values);
    } else if (values === null) {
      out[name] = [];
    } else {
      throw invalidArgument(`invalid filter '${name}': expected {"value":true,...} or ["value",...]`);
    }
  }
  return out;
}

/** Upper bound on JSON request bodies. */
export const MAX_JSON_BODY = 16 * 1024 * 1024;

/**
 * Reads a JSON body: undefined when the body is empty; 400 for a non-JSON
 * Content-Type, malformed JSON or trailing content.
 */
export async function readJson(req: ApiRequest): Promise<unknown> {
  const ct = req.headers['content-type'];
  const bytes = await req.body();
  if (bytes.byteLength === 0) return undefined;
  if (ct !== undefined && ct !== '') {
    const media = ct.split(';')[0]!.trim().toLowerCase();
    if (media !== 'application/json') {
      throw invalidArgument(`unsupported Content-Type header (${ct}): must be 'application/json'`);
    }
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw invalidArgument(`invalid JSON: ${(err as Error).message}`);
  }
}

/**
 * Reads a JSON object body and checks it against `schema`. An empty body is
 * `{}` when `optional`, else 400 as Docker words it. The result holds only
 * the schema's fields, so it is safe to hand to the engine as `T`.
 */
export async function readBody<T>(req: ApiRequest, schema: Schema, opts: { optional?: boolean } = {}): Promise<T> {
  const raw = await readJson(req);
  if (raw === undefined) {
    if (!opts.optional) throw invalidArgument('invalid JSON: got EOF while reading request body');
    return check(schema, {}) as T;
  }
  if (raw === null && opts.optional) return check(schema, {}) as T;
  return check(schema, raw) as T;
}

const containerNamePattern = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Docker's container-name rule; returns the name, or undefined for an empty one (auto-generated). */
export function validateContainerName(name: string | null): string | undefined {
  if (name === null || name === '') return undefined;
  if (!containerNamePattern.test(name)) {
    throw invalidArgument(`Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  }
  return name;
}
