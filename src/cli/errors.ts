/**
 * Errors the CLI raises itself (as opposed to the daemon's BerthErrors), and
 * how every error becomes stderr lines and an exit code the way the docker CLI
 * reports them.
 */
import { isTransportError } from '../engine/remote/transport-errors.ts';
import { BerthError } from '../lib/errors.ts';
import { UsageError } from './argv.ts';

export { UsageError };

/**
 * A failure the CLI detected (not the daemon's answer): printed as is, then
 * the process exits with `exitCode`. An empty message prints nothing (the
 * container's own exit status, for instance).
 */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** How to report a failure of one command. */
export interface ReportOptions {
  /** `berth run`, as the user typed it: used in "See 'berth run --help'.". */
  invocation: string;
  /** Exit code for daemon errors: 125 for run (the docker CLI's), 1 elsewhere. */
  engineErrorExit: number;
  /** Prefix daemon errors with "berth: " (as `docker run` does). */
  prefixEngineErrors: boolean;
  debug: boolean;
}

/** Lines for stderr and the exit code for an error thrown by a command. */
export function describeError(err: unknown, opts: ReportOptions): { lines: string[]; exitCode: number } {
  if (err instanceof UsageError) {
    return { lines: [`berth: ${err.message}`, `See '${opts.invocation} --help'.`], exitCode: 125 };
  }
  if (err instanceof CliError) {
    return { lines: err.message === '' ? [] : [err.message], exitCode: err.exitCode };
  }
  if (err instanceof BerthError) {
    const text = daemonMessage(err);
    const lines = [opts.prefixEngineErrors ? `berth: ${text}` : text];
    if (err.hint !== undefined) lines.push(`hint: ${err.hint}`);
    if (opts.debug && err.stack !== undefined) lines.push(err.stack);
    return { lines, exitCode: opts.engineErrorExit };
  }
  const message = err instanceof Error ? err.message : String(err);
  const lines = [`berth: ${message}`];
  if (opts.debug && err instanceof Error && err.stack !== undefined) lines.push(err.stack);
  return { lines, exitCode: 1 };
}

/** "Error response from daemon: …" for the daemon's answers; a connection failure as it is. */
export function daemonMessage(err: BerthError): string {
  return isTransportError(err) ? err.message : `Error response from daemon: ${err.message}`;
}
