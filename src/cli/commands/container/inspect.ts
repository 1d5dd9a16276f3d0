/** `berth container inspect`. */
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { INSPECT_FLAGS, inspectAll } from '../../inspect.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Display detailed information on one or more containers',
  flags: INSPECT_FLAGS,
  minArgs: 1,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  return inspectAll(ctx, {
    names: p.args,
    format: p.string('format'),
    lookup: (name) => engine.containers.inspect(name),
    notFound: (name) => `No such container: ${name}`,
  });
}
