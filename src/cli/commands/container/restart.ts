/** `berth restart` (`berth container restart`). */
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { forEachTarget } from '../../each.ts';
import { STOP_FLAGS, stopOptions } from './stop.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Restart one or more containers',
  flags: STOP_FLAGS,
  minArgs: 1,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  const opts = stopOptions(p);
  const failed = await forEachTarget(ctx, p.args, (id) => engine.containers.restart(id, opts));
  return failed.length > 0 ? 1 : 0;
}
