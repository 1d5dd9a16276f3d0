/** `berth attach` (`berth container attach`): the terminal to a running container's stdio. */
import type { ParsedArgs } from '../../argv.ts';
import { proxySignals } from '../../attached-start.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { CliError } from '../../errors.ts';
import { DEFAULT_DETACH_KEYS, monitorTtySize, parseDetachKeys, pumpSession } from '../../stdio.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS] CONTAINER',
  summary: 'Attach local standard input, output, and error streams to a running container',
  flags: [
    { long: 'detach-keys', type: 'string', description: 'Override the key sequence for detaching a container' },
    { long: 'no-stdin', type: 'bool', description: 'Do not attach STDIN' },
    { long: 'sig-proxy', type: 'bool', description: 'Proxy all received signals to the process (default true)' },
  ],
  minArgs: 1,
  maxArgs: 1,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  const name = p.args[0]!;
  const info = await engine.containers.inspect(name);
  if (!info.State.Running) throw new CliError('You cannot attach to a stopped container, start it first');
  if (info.State.Paused) throw new CliError('You cannot attach to a paused container, unpause it first');
  if (info.State.Restarting)
    throw new CliError('You cannot attach to a restarting container, wait until it is running');
  const tty = info.Config.Tty === true;
  const stdin = !p.bool('no-stdin') && info.Config.OpenStdin === true;
  if (stdin && tty && ctx.stdin.isTTY !== true) throw new CliError('the input device is not a TTY');
  const detachKeys = parseDetachKeys(p.string('detach-keys') ?? DEFAULT_DETACH_KEYS);

  const wait = await engine.containers.wait(info.Id);
  const session = await engine.containers.attach(info.Id, {
    stream: true,
    stdin,
    stdout: true,
    stderr: true,
    detachKeys: p.string('detach-keys'),
  });
  const stopResize = tty
    ? monitorTtySize(ctx.terminalOut, (size) => engine.containers.resize(info.Id, size))
    : () => {};
  const sigProxy = !p.changed('sig-proxy') || p.bool('sig-proxy');
  const stopProxy = sigProxy && !tty ? proxySignals(engine, info.Id) : () => {};
  try {
    const how = await pumpSession({
      session,
      stdin: stdin ? ctx.stdin : undefined,
      stdout: ctx.stdout,
      stderr: ctx.stderr,
      raw: tty,
      detachKeys: tty && stdin ? detachKeys : undefined,
    });
    if (how === 'detached') return 0;
    const result = await wait.result;
    return result.StatusCode;
  } finally {
    stopResize();
    stopProxy();
  }
}
