/** `berth rmi` (`berth image rm`): remove images, printing what was untagged and deleted. */
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { forEachTarget } from '../../each.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  summary: 'Remove one or more images',
  flags: [
    { long: 'force', short: 'f', type: 'bool', description: 'Force removal of the image' },
    { long: 'no-prune', type: 'bool', description: 'Do not delete untagged parents' },
  ],
  minArgs: 1,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  const opts = { force: p.bool('force'), noprune: p.bool('no-prune') };
  const failed = await forEachTarget(ctx, p.args, (name) => engine.images.remove(name, opts), {
    onSuccess: (_name, items) =>
      items
        .map((i) => (i.Untagged !== undefined ? `Untagged: ${i.Untagged}` : `Deleted: ${i.Deleted ?? ''}`))
        .join('\n') || undefined,
  });
  return failed.length > 0 ? 1 : 0;
}
