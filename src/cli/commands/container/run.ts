/** `berth run` (`berth container run`): create, attach, start and wait, as `docker run`. */
import type { ParsedArgs } from '../../argv.ts';
import { startAttached, startError } from '../../attached-start.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { CliError } from '../../errors.ts';
import { buildCreateRequest, CONTAINER_FLAGS, RUN_ONLY_FLAGS } from '../../run-options.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS] IMAGE [COMMAND] [ARG...]',
  summary: 'Create and run a new container from an image',
  flags: [...CONTAINER_FLAGS, ...RUN_ONLY_FLAGS],
  minArgs: 1,
  stopAtPositional: true,
  engineErrorExit: 125,
  prefixEngineErrors: true,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const [image, ...command] = p.args as [string, ...string[]];
  const { body, name } = buildCreateRequest(p, { image, command }, ctx.host);
  const detach = p.bool('detach');
  if (!detach && body.AttachStdin === true && body.Tty === true && ctx.stdin.isTTY !== true) {
    throw new CliError('the input device is not a TTY', 1);
  }
  const engine = await ctx.engine();
  const created = await engine.containers.create(body, { name });
  for (const w of created.Warnings ?? []) ctx.stderr.write(`WARNING: ${w}\n`);

  if (detach) {
    try {
      await engine.containers.start(created.Id);
    } catch (err) {
      throw startError(err, true);
    }
    ctx.stdout.write(`${created.Id}\n`);
    return 0;
  }
  return startAttached(ctx, engine, {
    id: created.Id,
    stdin: body.AttachStdin === true,
    stdout: body.AttachStdout === true,
    stderr: body.AttachStderr === true,
    tty: body.Tty === true,
    autoRemove: body.HostConfig?.AutoRemove === true,
    detachKeys: p.string('detach-keys'),
    sigProxy: !p.changed('sig-proxy') || p.bool('sig-proxy'),
    prefix: true,
  });
}
