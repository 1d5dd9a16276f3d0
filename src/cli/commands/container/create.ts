/** `berth create` (`berth container create`): create a container and print its ID. */
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { buildCreateRequest, CONTAINER_FLAGS } from '../../run-options.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  summary: 'Create a new container',
  flags: CONTAINER_FLAGS,
  minArgs: 1,
  stopAtPositional: true,
  // As `docker create`: daemon errors exit 125 with the "berth: " prefix.
  engineErrorExit: 125,
  prefixEngineErrors: true,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const [image, ...command] = p.args as [string, ...string[]];
  const { body, name } = buildCreateRequest(p, { image, command }, ctx.host);
  const engine = await ctx.engine();
  const created = await engine.containers.create(body, { name });
  for (const w of created.Warnings ?? []) ctx.stderr.write(`WARNING: ${w}\n`);
  ctx.stdout.write(`${created.Id}\n`);
  return 0;
}
