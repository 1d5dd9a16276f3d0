/**
 * Starting a container with the terminal attached, in the docker CLI's order
 * (run, start -a): attach before start so no output is missed, register the
 * wait before start so a quick exit is not missed, start, then pump stdio and
 * return the container's exit code.
 */
import type { Engine } from '../engine/engine.ts';
import { BerthError } from '../lib/errors.ts';
import type { CommandContext } from './command.ts';
import { CliError, daemonMessage } from './errors.ts';
import { DEFAULT_DETACH_KEYS, monitorTtySize, parseDetachKeys, pumpSession } from './stdio.ts';

/** Options of {@link startAttached}. */
export interface StartAttachedOptions {
  id: string;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
  /** Wait for removal (`--rm`) rather than the next exit. */
  autoRemove: boolean;
  /** `--detach-keys`; Docker's ctrl-p,ctrl-q when undefined. */
  detachKeys: string | undefined;
  /** Forward SIGINT, SIGTERM… to the container (without a TTY). */
  sigProxy: boolean;
  /** Print start errors as `berth: …` (run) rather than bare (start). */
  prefix: boolean;
}

const PROXIED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

export async function startAttached(ctx: CommandContext, engine: Engine, opts: StartAttachedOptions): Promise<number> {
  const detachKeys = parseDetachKeys(opts.detachKeys ?? DEFAULT_DETACH_KEYS);
  const attached = opts.stdin || opts.stdout || opts.stderr;
  // Attach and wait are both in place before start, and neither needs the other: one round trip for both.
  const attaching = attached
    ? engine.containers.attach(opts.id, {
        stream: true,
        stdin: opts.stdin,
        stdout: opts.stdout,
        stderr: opts.stderr,
        detachKeys: opts.detachKeys,
      })
    : Promise.resolve(undefined);
  const waiting = engine.containers.wait(opts.id, { condition: opts.autoRemove ? 'removed' : 'next-exit' });
  const [attachedResult, waitResult] = await Promise.allSettled([attaching, waiting]);
  const session = attachedResult.status === 'fulfilled' ? attachedResult.value : undefined;
  if (attachedResult.status === 'rejected') throw attachedResult.reason;
  if (waitResult.status === 'rejected') {
    session?.close();
    throw waitResult.reason;
  }
  const wait = waitResult.value;
  try {
    await engine.containers.start(opts.id);
  } catch (err) {
    session?.close();
    throw startError(err, opts.prefix);
  }

  const stopResize = opts.tty
    ? monitorTtySize(ctx.terminalOut, (size) => engine.containers.resize(opts.id, size))
    : () => {};
  const stopProxy = opts.sigProxy && !opts.tty ? proxySignals(engine, opts.id) : () => {};
  try {
    if (session !== undefined) {
      const how = await pumpSession({
        session,
        stdin: opts.stdin ? ctx.stdin : undefined,
        stdout: ctx.stdout,
        stderr: ctx.stderr,
        raw: opts.tty,
        detachKeys: opts.tty && opts.stdin ? detachKeys : undefined,
      });
      if (how === 'detached') return 0;
    }
    const result = await wait.result;
    if (result.Error?.Message) {
      throw new CliError(`berth: Error waiting for container: ${result.Error.Message}`, 125);
    }
    return result.StatusCode;
  } finally {
    stopResize();
    stopProxy();
  }
}

/**
 * Forwards the signals a user sends to the CLI (ctrl-C, kill) to the container,
 * as the docker CLI's --sig-proxy; returns a function that stops forwarding.
 */
export function proxySignals(engine: Engine, id: string): () => void {
  const forward = (signal: NodeJS.Signals) => {
    engine.containers.kill(id, { signal }).catch(() => {});
  };
  for (const s of PROXIED_SIGNALS) process.on(s, forward);
  return () => {
    for (const s of PROXIED_SIGNALS) process.off(s, forward);
  };
}

/**
 * A failed start as the docker CLI reports it: the daemon's message, exit 127
 * when the command was not found, 126 when it could not be executed, else 125.
 */
export function startError(err: unknown, prefix: boolean): unknown {
  if (!(err instanceof BerthError) || err.code === 'not-modified') return err;
  const text = daemonMessage(err);
  const lines = [prefix ? `berth: ${text}` : text];
  if (err.hint !== undefined) lines.push(`hint: ${err.hint}`);
  return new CliError(lines.join('\n'), startExitCode(err.message));
}

/** The exit code the docker CLI derives from a start error's message. */
export function startExitCode(message: string): number {
  if (
    message.includes('executable file not found') ||
    message.includes('no such file or directory') ||
    message.includes('system cannot find the file specified')
  ) {
    return 127;
  }
  if (message.includes('permission denied') || message.includes('is a directory')) return 126;
  return 125;
}
