/** `berth network rm`: remove networks; prints each name removed. */
import { isCode } from '../../../lib/errors.ts';
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { forEachTarget } from '../../each.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  summary: 'Remove one or more networks',
  flags: [{ long: 'force', short: 'f', type: 'bool', description: 'Do not error if the network does not exist' }],
  minArgs: 1,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  const force = p.bool('force');
  const failed = await forEachTarget(ctx, p.args, (n) => engine.networks.remove(n), {
    ignore: (err) => force && isCode(err, 'not-found'),
  });
  return failed.length > 0 ? 1 : 0;
}
