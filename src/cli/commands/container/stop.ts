/** `berth stop` (`berth container stop`): stop containers (signal, grace period, then SIGKILL). */
import { isCode } from '../../../lib/errors.ts';
import type { StopOptions } from '../../../engine/types.ts';
import type { FlagSpec, ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { forEachTarget } from '../../each.ts';

/** The flags of stop, shared by restart. */
export const STOP_FLAGS: FlagSpec[] = [
  { long: 'signal', short: 's', type: 'string', description: 'Signal to send to the container' },
  { long: 'timeout', short: 't', type: 'int', description: 'Seconds to wait before killing the container' },
  { long: 'time', type: 'int', description: 'Seconds to wait before killing the container', hidden: true },
];

/** StopOptions from the parsed STOP_FLAGS. */
export function stopOptions(p: ParsedArgs): StopOptions {
  return { signal: p.string('signal'), t: p.int('timeout') ?? p.int('time') };
}

export const spec: CommandSpec = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Stop one or more running containers',
  flags: STOP_FLAGS,
  minArgs: 1,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  const opts = stopOptions(p);
  const failed = await forEachTarget(ctx, p.args, (id) => engine.containers.stop(id, opts), {
    ignore: (err) => isCode(err, 'not-modified'),
  });
  return failed.length > 0 ? 1 : 0;
}
