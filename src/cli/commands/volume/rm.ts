/** `berth volume rm`: remove volumes; one in use by any container (running or not) is refused. */
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { forEachTarget } from '../../each.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS] VOLUME [VOLUME...]',
  summary: 'Remove one or more volumes',
  flags: [
    {
      long: 'force',
      short: 'f',
      type: 'bool',
      description: 'Do not error on a volume that does not exist (a volume in use is never removed)',
    },
  ],
  minArgs: 1,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  const force = p.bool('force');
  const failed = await forEachTarget(ctx, p.args, (name) => engine.volumes.remove(name, { force }));
  return failed.length > 0 ? 1 : 0;
}
