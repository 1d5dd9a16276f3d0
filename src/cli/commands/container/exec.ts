/** `berth exec` (`berth container exec`): run a command in a running container, attached or not. */
import type { Engine } from '../../../engine/engine.ts';
import type { ExecInspect } from '../../../engine/types.ts';
import { BerthError } from '../../../lib/errors.ts';
import type { ParsedArgs } from '../../argv.ts';
import { startExitCode } from '../../attached-start.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { CliError, daemonMessage } from '../../errors.ts';
import { buildExecRequest, EXEC_FLAGS } from '../../run-options.ts';
import { DEFAULT_DETACH_KEYS, monitorTtySize, parseDetachKeys, pumpSession } from '../../stdio.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS] CONTAINER COMMAND [ARG...]',
  summary: 'Execute a command in a running container',
  flags: EXEC_FLAGS,
  minArgs: 2,
  stopAtPositional: true,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const [container, ...command] = p.args as [string, ...string[]];
  const body = buildExecRequest(p, command, ctx.host);
  const tty = body.Tty === true;
  if (body.AttachStdin === true && tty && ctx.stdin.isTTY !== true) {
    throw new CliError('the input device is not a TTY');
  }
  const detachKeys = parseDetachKeys(p.string('detach-keys') ?? DEFAULT_DETACH_KEYS);
  const engine = await ctx.engine();
  await engine.containers.inspect(container);
  const { Id } = await engine.exec.create(container, body);

  if (p.bool('detach')) {
    await engine.exec.start(Id, { Detach: true, Tty: tty });
    return 0;
  }
  const out = ctx.terminalOut;
  const consoleSize: [number, number] | undefined =
    tty && out.isTTY === true ? ([...out.getWindowSize()].reverse() as [number, number]) : undefined;
  let session: Awaited<ReturnType<Engine['exec']['start']>>;
  try {
    session = await engine.exec.start(Id, { Tty: tty, ConsoleSize: consoleSize });
  } catch (err) {
    if (!(err instanceof BerthError)) throw err;
    const code = startExitCode(err.message);
    throw new CliError(daemonMessage(err), code === 125 ? 1 : code);
  }
  if (session === null) return 0;
  const stopResize = tty ? monitorTtySize(out, (size) => engine.exec.resize(Id, size)) : () => {};
  try {
    const how = await pumpSession({
      session,
      stdin: body.AttachStdin === true ? ctx.stdin : undefined,
      stdout: ctx.stdout,
      stderr: ctx.stderr,
      raw: tty,
      detachKeys: tty && body.AttachStdin === true ? detachKeys : undefined,
    });
    if (how === 'detached') return 0;
  } finally {
    stopResize();
  }
  return execExitCode(engine, Id);
}

/** The exec's exit code once it has ended (the stream may close a moment before the daemon records it). */
async function execExitCode(engine: Engine, id: string): Promise<number> {
  let info: ExecInspect = await engine.exec.inspect(id);
  for (let i = 0; i < 40 && info.Running; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    info = await engine.exec.inspect(id);
  }
  return info.ExitCode ?? 0;
}
