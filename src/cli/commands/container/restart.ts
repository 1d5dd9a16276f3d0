/** `berth restart` (`berth container restart`). */
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { forEachTarget } from '../../each.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Restart one or more containers',
  flags: [
    { long: 'signal', short: 's', type: 'string', description: 'Signal to send to the container' },
    { long: 'timeout', short: 't', type: 'int', description: 'Seconds to wait before killing the container' },
    { long: 'time', type: 'int', description: 'Seconds to wait before killing the container', hidden: true },
  ],
  minArgs: 1,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  const opts = { signal: p.string('signal'), t: p.int('timeout') ?? p.int('time') };
  const failed = await forEachTarget(ctx, p.args, (id) => engine.containers.restart(id, opts));
  return failed.length > 0 ? 1 : 0;
}
