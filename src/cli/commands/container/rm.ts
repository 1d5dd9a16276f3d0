/** `berth rm` (`berth container rm`): remove containers; `-f` also stops them and ignores missing ones. */
import { isCode } from '../../../lib/errors.ts';
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { forEachTarget } from '../../each.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Remove one or more containers',
  flags: [
    { long: 'force', short: 'f', type: 'bool', description: 'Force the removal of a running container (uses SIGKILL)' },
    { long: 'link', short: 'l', type: 'bool', description: 'Remove the specified link', hidden: true },
    {
      long: 'volumes',
      short: 'v',
      type: 'bool',
      description: 'Remove anonymous volumes associated with the container',
    },
  ],
  minArgs: 1,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  const force = p.bool('force');
  const opts = { force, v: p.bool('volumes') };
  const remove = async (id: string) => {
    await engine.containers.remove(id, opts);
    return true;
  };
  const failed = await forEachTarget(ctx, p.args, remove, {
    // `rm -f` of a container that does not exist succeeds quietly.
    ignore: (err) => force && isCode(err, 'not-found'),
    onSuccess: (name, removed) => (removed === true ? name : undefined),
  });
  return failed.length > 0 ? 1 : 0;
}
