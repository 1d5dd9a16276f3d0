/**
 * Running host programs (crun, mount, ip, nft): the one place that spawns a
 * command and waits for it. A non-zero exit becomes a CommandError carrying
 * the program's stderr, so callers can report the real reason.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export class CommandError extends Error {
  readonly command: string;
  readonly exitCode: number | null;
  readonly stderr: string;

  constructor(command: string, exitCode: number | null, stderr: string) {
    super(`${command}: ${stderr.trim() || `exit status ${exitCode}`}`);
    this.name = 'CommandError';
    this.command = command;
    this.exitCode = exitCode;
    this.stderr = stderr;
  }
}

export interface RunOptions {
  input?: string | Uint8Array;
  env?: NodeJS.ProcessEnv;
  signal?: AbortSignal;
}

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs `file args…` to completion; throws CommandError on a non-zero exit. */
export function run(file: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: [opts.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      env: opts.env,
      signal: opts.signal,
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout?.on('data', (b: Buffer) => out.push(b));
    child.stderr?.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => {
      const stdout = Buffer.concat(out).toString();
      const stderr = Buffer.concat(err).toString();
      if (code === 0) resolve({ stdout, stderr });
      else reject(new CommandError(`${file} ${args[0] ?? ''}`.trim(), code, stderr));
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** Finds `name` on PATH (or returns it if it is a path); throws if absent. */
export function which(name: string): string {
  if (name.includes('/')) {
    if (existsSync(name)) return name;
  } else {
    for (const dir of (process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
      const p = `${dir}/${name}`;
      if (dir && existsSync(p)) return p;
    }
  }
  throw new Error(`${name}: executable not found in PATH`);
}
