/** `berth top` (`berth container top`): a container's processes, through the host's ps (`ps` options after the name). */
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { tabwrite } from '../../format.ts';

export const spec: CommandSpec = {
  usage: 'CONTAINER [ps OPTIONS]',
  summary: 'Display the running processes of a container',
  flags: [],
  minArgs: 1,
  stopAtPositional: true,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  const [id, ...ps] = p.args as [string, ...string[]];
  const t = await engine.containers.top(id, ps.length > 0 ? { psArgs: ps.join(' ') } : {});
  const lines = [t.Titles.join('\t'), ...t.Processes.map((row) => row.join('\t'))];
  ctx.stdout.write(tabwrite(`${lines.join('\n')}\n`, { minwidth: 20, padding: 3 }));
  return 0;
}
