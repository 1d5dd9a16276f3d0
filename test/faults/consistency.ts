/**
 * What "nothing lost, nothing left behind" means for containers, checked from
 * outside berthd: every record's task exists exactly when the record says it
 * runs, and no conmon, mount, cgroup, bundle or task directory outlives its
 * container. Used by the fault-injection tests after each crash and restart.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestDaemon } from '../helpers/daemon.ts';
import { mountsUnder, sleep } from '../helpers/daemon.ts';

interface InspectState {
  Status: string;
  Running: boolean;
  Pid: number;
  ExitCode: number;
  StartedAt: string;
}

/** conmon processes that belong to this daemon (by its exec root), keyed by container id. */
export function conmonsOf(d: TestDaemon): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    } catch {
      continue;
    }
    if (!argv[0]?.endsWith('conmon') || !argv.some((a) => a.includes(d.execRoot))) continue;
    const c = argv.indexOf('-c');
    const id = c >= 0 ? argv[c + 1] : undefined;
    if (id) out.set(id, Number(pid));
  }
  return out;
}

/** The cgroup directories of a container id that exist now (any v1 controller or v2). */
export function cgroupsOf(id: string): string[] {
  const found: string[] = [];
  const root = '/sys/fs/cgroup';
  const candidates = [join(root, 'berth', id)];
  for (const c of readdirSync(root)) candidates.push(join(root, c, 'berth', id));
  for (const p of candidates) if (existsSync(p)) found.push(p);
  return found;
}

/**
 * Returns the list of broken invariants (empty when consistent). `known` is
 * every container id the test ever created on this daemon, so that removed
 * ones are checked for debris too (cgroups are host-global and shared with
 * other daemons: only our ids are looked at).
 */
export async function inconsistencies(d: TestDaemon, known: Iterable<string>): Promise<string[]> {
  const problems: string[] = [];
  const list = await d.api('GET', '/containers/json?all=1');
  if (list.status !== 200) return [`GET /containers/json answered ${list.status}`];
  const ids = new Set((list.body as { Id: string }[]).map((c) => c.Id));
  const conmons = conmonsOf(d);
  const mounts = mountsUnder(d.dataRoot);
  const running = new Set<string>();

  for (const id of ids) {
    const r = await d.api('GET', `/containers/${id}/json`);
    if (r.status !== 200) {
      problems.push(`${id.slice(0, 12)}: listed but inspect answers ${r.status}`);
      continue;
    }
    const s = (r.body as { State: InspectState }).State;
    if (s.Running) {
      running.add(id);
      if (!(s.Pid > 0 && existsSync(`/proc/${s.Pid}`)))
        problems.push(`${id.slice(0, 12)}: ${s.Status} but pid ${s.Pid} does not exist`);
      if (!conmons.has(id)) problems.push(`${id.slice(0, 12)}: ${s.Status} but has no conmon`);
    } else {
      if (conmons.has(id)) problems.push(`${id.slice(0, 12)}: ${s.Status} but conmon ${conmons.get(id)} runs`);
      if (mounts.some((m) => m.includes(id)))
        problems.push(`${id.slice(0, 12)}: ${s.Status} but its rootfs is mounted`);
      const cg = cgroupsOf(id);
      if (cg.length > 0) problems.push(`${id.slice(0, 12)}: ${s.Status} but cgroup ${cg[0]} exists`);
      if (existsSync(join(d.execRoot, 'crun', id)))
        problems.push(`${id.slice(0, 12)}: ${s.Status} but crun state exists`);
    }
  }
  for (const [id, pid] of conmons)
    if (!ids.has(id)) problems.push(`conmon ${pid} for ${id.slice(0, 12)}, which has no record`);
  for (const m of mounts)
    if (![...running].some((id) => m.includes(id))) problems.push(`mount ${m} belongs to no running container`);
  for (const id of known) {
    if (ids.has(id)) continue;
    const cg = cgroupsOf(id);
    if (cg.length > 0) problems.push(`removed ${id.slice(0, 12)} left cgroup ${cg[0]}`);
    for (const p of [join(d.dataRoot, 'containers', id), join(d.execRoot, 'tasks', id), join(d.execRoot, 'crun', id)])
      if (existsSync(p)) problems.push(`removed ${id.slice(0, 12)} left ${p}`);
  }
  return problems;
}

/** Waits (bounded) until the daemon's containers are consistent; returns the last problems seen. */
export async function settle(d: TestDaemon, known: Iterable<string>, timeoutMs = 8000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let problems = await inconsistencies(d, known);
  while (problems.length > 0 && Date.now() < deadline) {
    await sleep(250);
    problems = await inconsistencies(d, known);
  }
  return problems;
}
