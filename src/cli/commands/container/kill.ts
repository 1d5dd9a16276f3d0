/** `berth kill` (`berth container kill`): send a signal (SIGKILL by default). */
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { forEachTarget } from '../../each.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Kill one or more running containers',
  flags: [{ long: 'signal', short: 's', type: 'string', description: 'Signal to send to the container' }],
  minArgs: 1,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  const signal = p.string('signal');
  const failed = await forEachTarget(ctx, p.args, (id) =>
    engine.containers.kill(id, signal === undefined || signal === '' ? {} : { signal }),
  );
  return failed.length > 0 ? 1 : 0;
}
