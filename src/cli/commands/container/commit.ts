/** `berth commit` (`berth container commit`): make an image of a container's changes. */
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { splitTarget } from '../image/tag.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
  summary: "Create a new image from a container's changes",
  flags: [
    {
      long: 'author',
      short: 'a',
      type: 'string',
      description: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")',
    },
    { long: 'change', short: 'c', type: 'list', description: 'Apply Dockerfile instruction to the created image' },
    { long: 'message', short: 'm', type: 'string', description: 'Commit message' },
    { long: 'pause', short: 'p', type: 'bool', description: 'Pause container during commit (default true)' },
  ],
  minArgs: 1,
  maxArgs: 2,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const [container, target] = p.args as [string, string | undefined];
  const name = target ? splitTarget(target) : undefined;
  const engine = await ctx.engine();
  const author = p.string('author');
  const comment = p.string('message');
  const { Id } = await engine.containers.commit(container, {
    ...(name ? { repo: name.repo, tag: name.tag } : {}),
    ...(author ? { author } : {}),
    ...(comment ? { comment } : {}),
    pause: !p.changed('pause') || p.bool('pause'),
    changes: p.list('change'),
  });
  ctx.stdout.write(`${Id}\n`);
  return 0;
}
