/** `berth export` (`berth container export`): a container's filesystem as a tar archive. */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { type ParsedArgs, UsageError } from '../../argv.ts';
import { streamToStdout } from '../../binary-out.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS] CONTAINER',
  summary: "Export a container's filesystem as a tar archive",
  flags: [{ long: 'output', short: 'o', type: 'string', description: 'Write to a file, instead of STDOUT' }],
  minArgs: 1,
  maxArgs: 1,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const output = p.string('output');
  if (!output && ctx.stdout.isTTY) {
    throw new UsageError('cowardly refusing to save to a terminal. Use the -o flag or redirect');
  }
  const engine = await ctx.engine();
  const tar = await engine.containers.export(p.args[0]!);
  if (output) await pipeline(tar, createWriteStream(output));
  else await streamToStdout(ctx, tar);
  return 0;
}
