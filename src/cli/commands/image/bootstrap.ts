/** `berth image bootstrap busybox [--tag x]`: berth's offline base image from the host. */
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS] KIND',
  summary: 'Make a base image from the host, offline (KIND: busybox, from busybox-static)',
  flags: [{ long: 'tag', short: 't', type: 'string', description: 'Name for the image (default "<kind>:latest")' }],
  minArgs: 1,
  maxArgs: 1,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const kind = p.args[0]!;
  const tag = p.string('tag');
  const engine = await ctx.engine();
  const image = await engine.images.bootstrap(
    tag === undefined || tag === '' ? { Kind: kind } : { Kind: kind, Tag: tag },
  );
  const name = image.RepoTags?.[0] ?? tag ?? `${kind}:latest`;
  ctx.stdout.write(`${name}: ${image.Id}\n`);
  return 0;
}
