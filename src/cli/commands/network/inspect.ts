/** `berth network inspect`. */
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { INSPECT_FLAGS, inspectAll } from '../../inspect.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS] NETWORK [NETWORK...]',
  summary: 'Display detailed information on one or more networks',
  flags: INSPECT_FLAGS.filter((f) => f.long === 'format'),
  minArgs: 1,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  return inspectAll(ctx, {
    names: p.args,
    format: p.string('format'),
    lookup: (name) => engine.networks.inspect(name),
    notFound: (name) => `network ${name} not found`,
  });
}
