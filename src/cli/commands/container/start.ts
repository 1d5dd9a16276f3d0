/** `berth start` (`berth container start`): start containers, or one with `-a` attached. */
import { isCode } from '../../../lib/errors.ts';
import { type ParsedArgs, UsageError } from '../../argv.ts';
import { startAttached } from '../../attached-start.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { forEachTarget } from '../../each.ts';
import { CliError } from '../../errors.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS] CONTAINER [CONTAINER...]',
  summary: 'Start one or more stopped containers',
  flags: [
    { long: 'attach', short: 'a', type: 'bool', description: 'Attach STDOUT/STDERR and forward signals' },
    { long: 'detach-keys', type: 'string', description: 'Override the key sequence for detaching a container' },
    { long: 'interactive', short: 'i', type: 'bool', description: "Attach container's STDIN" },
  ],
  minArgs: 1,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  if (p.bool('attach') || p.bool('interactive')) {
    if (p.args.length > 1) throw new UsageError('you cannot start and attach multiple containers at once');
    const info = await engine.containers.inspect(p.args[0]!);
    const tty = info.Config.Tty === true;
    const stdin = p.bool('interactive') && info.Config.OpenStdin === true;
    if (stdin && tty && ctx.stdin.isTTY !== true) throw new CliError('the input device is not a TTY', 1);
    return startAttached(ctx, engine, {
      id: info.Id,
      stdin,
      stdout: true,
      stderr: true,
      tty,
      autoRemove: info.HostConfig.AutoRemove === true,
      detachKeys: p.string('detach-keys'),
      sigProxy: true,
      prefix: false,
    });
  }
  const failed = await forEachTarget(ctx, p.args, (id) => engine.containers.start(id), {
    ignore: (err) => isCode(err, 'not-modified'),
  });
  if (failed.length > 0) throw new CliError(`Error: failed to start containers: ${failed.join(', ')}`);
  return 0;
}
