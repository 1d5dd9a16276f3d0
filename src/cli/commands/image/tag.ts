/** `berth tag` (`berth image tag`): name an image. */
import { type ParsedArgs, UsageError } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';

export const spec: CommandSpec = {
  usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  summary: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  flags: [],
  minArgs: 2,
  maxArgs: 2,
};

/** `repo[:tag]` → repository and tag (`latest` when none), as the docker client sends them. */
export function splitTarget(target: string): { repo: string; tag: string } {
  if (target.includes('@')) throw new UsageError('refusing to create a tag with a digest reference');
  const colon = target.lastIndexOf(':');
  if (colon > target.lastIndexOf('/')) return { repo: target.slice(0, colon), tag: target.slice(colon + 1) };
  return { repo: target, tag: 'latest' };
}

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const [source, target] = p.args as [string, string];
  const { repo, tag } = splitTarget(target);
  const engine = await ctx.engine();
  await engine.images.tag(source, repo, tag);
  return 0;
}
