/** `berth inspect`: containers first, then images, as `docker inspect`. */
import { isCode } from '../../../lib/errors.ts';
import { type ParsedArgs, UsageError } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { INSPECT_FLAGS, inspectAll } from '../../inspect.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS] NAME|ID [NAME|ID...]',
  summary: 'Return low-level information on berth objects',
  flags: [
    ...INSPECT_FLAGS,
    { long: 'type', type: 'string', description: 'Only inspect objects of the given type (container, image)' },
  ],
  minArgs: 1,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const type = p.string('type') ?? '';
  if (type !== '' && type !== 'container' && type !== 'image')
    throw new UsageError(`"${type}" is not a valid value for --type`);
  const engine = await ctx.engine();
  const lookup = async (name: string): Promise<unknown> => {
    if (type === 'container') return engine.containers.inspect(name);
    if (type === 'image') return engine.images.inspect(name);
    try {
      return await engine.containers.inspect(name);
    } catch (err) {
      if (!isCode(err, 'not-found')) throw err;
      return engine.images.inspect(name);
    }
  };
  return inspectAll(ctx, {
    names: p.args,
    format: p.string('format'),
    lookup,
    notFound: (name) => (type === '' ? `No such object: ${name}` : `No such ${type}: ${name}`),
  });
}
