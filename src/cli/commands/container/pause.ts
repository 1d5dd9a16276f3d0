/** `berth pause` (`berth container pause`): freeze every process of containers. */
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { forEachTarget } from '../../each.ts';

export const spec: CommandSpec = {
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Pause all processes within one or more containers',
  flags: [],
  minArgs: 1,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  const failed = await forEachTarget(ctx, p.args, (id) => engine.containers.pause(id));
  return failed.length > 0 ? 1 : 0;
}
