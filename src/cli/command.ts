/**
 * The shape of a CLI command module (`commands/<noun>/<verb>.ts`): a `spec`
 * (usage, flags, argument count, how errors exit) and a `handler` that does
 * the work through the Engine and returns the exit code.
 */
import type { Engine } from '../engine/engine.ts';
import type { FlagSpec, ParsedArgs } from './argv.ts';
import type { HostAccess } from './run-options.ts';

/** What a command declares about itself; main parses and checks argv with it before calling the handler. */
export interface CommandSpec {
  /** After the command name: `[OPTIONS] IMAGE [COMMAND] [ARG...]`. */
  usage: string;
  /** One line, as in the docker CLI's help. */
  summary: string;
  flags: FlagSpec[];
  /** Fewest positional arguments. */
  minArgs?: number;
  /** Most positional arguments. */
  maxArgs?: number;
  /** Options end at the first positional argument (run, exec: the rest belongs to the container's command). */
  stopAtPositional?: boolean;
  /** Exit code when the daemon answers with an error: 125 for run (as docker), else 1. */
  engineErrorExit?: number;
  /** Print daemon errors as `berth: Error response from daemon: …` (as `docker run` does). */
  prefixEngineErrors?: boolean;
}

/** A writable stream as the commands use it (process.stdout in the CLI). */
export interface Output {
  write(data: string | Uint8Array): boolean;
  once(event: 'drain', listener: () => void): unknown;
  readonly isTTY?: boolean;
}

/**
 * What a handler gets: the engine (connected lazily, on first use), stdio,
 * the environment and the clock. Handlers print through `stdout`/`stderr`
 * and return the exit code; they throw UsageError, CliError or the engine's
 * BerthErrors, which main reports.
 */
export interface CommandContext {
  /** The command as typed, for messages: `berth run`, `berth container ls`. */
  readonly invocation: string;
  engine(): Promise<Engine>;
  readonly stdout: Output;
  readonly stderr: Output;
  /** The process's stdin: only commands that attach it read from it. */
  readonly stdin: NodeJS.ReadStream;
  /** The process's stdout as a terminal, for raw mode and resize (commands that attach). */
  readonly terminalOut: NodeJS.WriteStream;
  readonly host: HostAccess;
  now(): number;
}

/** A command module. */
export interface CommandModule {
  spec: CommandSpec;
  handler(ctx: CommandContext, p: ParsedArgs): Promise<number>;
}
