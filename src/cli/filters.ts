/** `--filter key=value` flags → the API's filters. */
import type { Filters } from '../engine/types.ts';
import { UsageError } from './argv.ts';

/** Groups `key=value` strings by key, as Docker's filters.Args; throws on a value without `=`. */
export function parseFilters(values: readonly string[]): Filters | undefined {
  if (values.length === 0) return undefined;
  const out: Filters = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0)
      throw new UsageError(
        `invalid argument "${v}" for "-f, --filter" flag: bad format of filter (expected name=value)`,
      );
    const key = v.slice(0, eq).trim().toLowerCase();
    out[key] = [...(out[key] ?? []), v.slice(eq + 1)];
  }
  return out;
}
