/** `berth unpause` (`berth container unpause`): thaw paused containers. */
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { forEachTarget } from '../../each.ts';

export const spec: CommandSpec = {
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Unpause all processes within one or more containers',
  flags: [],
  minArgs: 1,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  const failed = await forEachTarget(ctx, p.args, (id) => engine.containers.unpause(id));
  return failed.length > 0 ? 1 : 0;
}
