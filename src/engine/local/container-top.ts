/**
 * `top` as Docker does it (daemon/top_unix.go): the host's `ps` with the
 * caller's arguments, restricted to the container's processes (the PIDs in
 * its cgroup) with `-q` where ps accepts it, and the output parsed into
 * titles and rows, the command column keeping its spaces. PIDs are the
 * host's, as with Docker.
 */
import type { ContainerTop } from '../types.ts';
import { BerthError, invalidArgument } from '../../lib/errors.ts';
import { run } from '../../host/exec.ts';

/** Parses ps output, keeping the rows whose PID is one of `pids`. */
export function parsePsOutput(output: string, pids: readonly number[]): ContainerTop {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  const titles = (lines[0] ?? '').trim().split(/\s+/);
  const pidIndex = titles.indexOf('PID');
  if (pidIndex < 0) throw new BerthError('internal', "Couldn't find PID field in ps output");
  const want = new Set(pids);
  const processes: string[][] = [];
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < titles.length) continue;
    const row = [...fields.slice(0, titles.length - 1), fields.slice(titles.length - 1).join(' ')];
    const pid = Number(row[pidIndex]);
    if (want.has(pid)) processes.push(row);
  }
  return { Titles: titles, Processes: processes };
}

/** Runs ps for the processes `pids` with `psArgs` (default `-ef`). */
export async function top(pids: readonly number[], psArgs = '-ef'): Promise<ContainerTop> {
  const args = psArgs.split(' ').filter((a) => a !== '');
  if (args.some((a) => /[\n\0]/.test(a))) throw invalidArgument('invalid ps_args');
  let output: string;
  try {
    output = (await run('ps', [...args, '-q', pids.join(',')])).stdout;
  } catch {
    // Some ps options (such as f) cannot be combined with -q.
    try {
      output = (await run('ps', args)).stdout;
    } catch (err) {
      throw invalidArgument(`Error running ps: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return parsePsOutput(output, pids);
}
