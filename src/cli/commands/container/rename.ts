/** `berth rename` (`berth container rename`): give a container a new name. */
import { type ParsedArgs, UsageError } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';

export const spec: CommandSpec = {
  usage: 'CONTAINER NEW_NAME',
  summary: 'Rename a container',
  flags: [],
  minArgs: 2,
  maxArgs: 2,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const [old, name] = [p.args[0]!.trim(), p.args[1]!.trim()];
  if (old === '' || name === '') throw new UsageError('Error: Neither old nor new names may be empty');
  const engine = await ctx.engine();
  await engine.containers.rename(old, name);
  return 0;
}
