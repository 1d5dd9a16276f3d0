/** `berth export` (`berth container export`): a container's filesystem as a tar archive. */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { type ParsedArgs, UsageError } from '../../argv.ts';
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
  else for await (const chunk of tar) await write(ctx, chunk);
  return 0;
}

function write(ctx: CommandContext, chunk: Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    if (ctx.stdout.write(chunk)) resolve();
    else (ctx.stdout as unknown as NodeJS.WritableStream).once('drain', () => resolve());
  });
}
