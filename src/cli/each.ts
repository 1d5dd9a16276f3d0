/**
 * Commands over several containers or images (stop, rm, rmi…): run the
 * operation on each in parallel, then print, in argument order, each name
 * that succeeded on stdout and each error on stderr, as the docker CLI does.
 */
import { BerthError } from '../lib/errors.ts';
import type { CommandContext } from './command.ts';
import { daemonMessage } from './errors.ts';

/** Options of {@link forEachTarget}. */
export interface EachOptions<T> {
  /** What to print for a success; the name when absent, nothing when it returns undefined. */
  onSuccess?: (name: string, value: T) => string | undefined;
  /** Errors that count as success (e.g. not-modified for stop). */
  ignore?: (err: unknown) => boolean;
}

/** Runs `op` on every name; returns the failed names. */
export async function forEachTarget<T>(
  ctx: CommandContext,
  names: readonly string[],
  op: (name: string) => Promise<T>,
  opts: EachOptions<T> = {},
): Promise<string[]> {
  const results = await Promise.allSettled(names.map(op));
  const failed: string[] = [];
  results.forEach((r, i) => {
    const name = names[i]!;
    if (r.status === 'fulfilled' || opts.ignore?.(r.reason) === true) {
      const value = r.status === 'fulfilled' ? r.value : (undefined as T);
      const line = opts.onSuccess === undefined ? name : opts.onSuccess(name, value);
      if (line !== undefined) ctx.stdout.write(`${line}\n`);
      return;
    }
    failed.push(name);
    ctx.stderr.write(`${errorText(r.reason)}\n`);
  });
  return failed;
}

/** An error as one or two lines (message, hint) without the `berth:` prefix. */
export function errorText(err: unknown): string {
  if (err instanceof BerthError) {
    return err.hint === undefined ? daemonMessage(err) : `${daemonMessage(err)}\nhint: ${err.hint}`;
  }
  return err instanceof Error ? err.message : String(err);
}
