/**
 * Resource limits (`--ulimit`): the names Docker accepts, and the hard limits
 * this process has. berthd cannot raise a hard limit (it may lack
 * CAP_SYS_RESOURCE), and containers inherit berthd's limits by default, so a
 * requested limit above berthd's own hard limit is refused up front instead of
 * failing inside the runtime.
 */
import { readFileSync } from 'node:fs';

/** Docker's ulimit names → the /proc/<pid>/limits row naming the same limit. */
export const RLIMIT_ROWS: Record<string, string> = {
  core: 'Max core file size',
  cpu: 'Max cpu time',
  data: 'Max data size',
  fsize: 'Max file size',
  locks: 'Max file locks',
  memlock: 'Max locked memory',
  msgqueue: 'Max msgqueue size',
  nice: 'Max nice priority',
  nofile: 'Max open files',
  nproc: 'Max processes',
  rss: 'Max resident set',
  rtprio: 'Max realtime priority',
  rttime: 'Max realtime timeout',
  sigpending: 'Max pending signals',
  stack: 'Max stack size',
  as: 'Max address space',
};

/** This process's hard limits by Docker name; `Infinity` for unlimited. */
export function hardLimits(text = readFileSync('/proc/self/limits', 'utf8')): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, row] of Object.entries(RLIMIT_ROWS)) {
    const line = text.split('\n').find((l) => l.startsWith(row));
    if (!line) continue;
    const fields = line.slice(row.length).trim().split(/\s+/);
    const hard = fields[1];
    if (hard !== undefined) out[name] = hard === 'unlimited' ? Number.POSITIVE_INFINITY : Number(hard);
  }
  return out;
}
