/** `berth wait` (`berth container wait`): block until containers stop; print their exit codes. */
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { forEachTarget } from '../../each.ts';

export const spec: CommandSpec = {
  usage: 'CONTAINER [CONTAINER...]',
  summary: 'Block until one or more containers stop, then print their exit codes',
  flags: [],
  minArgs: 1,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  const failed = await forEachTarget(
    ctx,
    p.args,
    async (id) => {
      const handle = await engine.containers.wait(id);
      return (await handle.result).StatusCode;
    },
    { onSuccess: (_name, code) => String(code) },
  );
  return failed.length > 0 ? 1 : 0;
}
