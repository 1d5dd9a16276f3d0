/** `berth diff` (`berth container diff`): a container's filesystem changes over its image. */
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';

export const spec: CommandSpec = {
  usage: 'CONTAINER',
  summary: "Inspect changes to files or directories on a container's filesystem",
  flags: [],
  minArgs: 1,
  maxArgs: 1,
};

const KIND = ['C', 'A', 'D'] as const;

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  for (const c of await engine.containers.changes(p.args[0]!)) ctx.stdout.write(`${KIND[c.Kind]} ${c.Path}\n`);
  return 0;
}
