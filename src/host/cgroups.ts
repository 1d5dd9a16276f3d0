/**
 * The host's cgroup layout, detected once at start: v2 (unified), v1, or
 * hybrid (v1 controllers with a v2 hierarchy beside them). crun refuses a
 * hybrid layout whose v2 side still owns a controller; scripts/cgroups-fixup.sh
 * moves such controllers into v1 hierarchies of their own, and `info` reports
 * what was found.
 *
 * Also the reads berth makes of a container's cgroup (cgroupfs, the path
 * `/berth/<id>` under each hierarchy): statistics, processes and the OOM-kill
 * counter, from the v1 or the v2 files as the layout says. Writes are the OCI
 * runtime's (crun), from the spec's linux.resources.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What the host's cgroups can limit, as Docker's sysinfo tells it (unsupported settings are dropped with a warning). */
export interface CgroupFeatures {
  /** memory+swap limits (v1 memory.memsw.*, v2 memory.swap.max). */
  swapLimit: boolean;
  /** v1 memory.swappiness (v2 has none). */
  swappiness: boolean;
  /** v1 memory.oom_control (v2 cannot disable the OOM killer). */
  oomKillDisable: boolean;
  /** blkio/io weight (v1 blkio.weight or blkio.bfq.weight, v2 io.weight or io.bfq.weight). */
  blkioWeight: boolean;
  /** Realtime CPU bandwidth (v1 cpu.rt_runtime_us). */
  cpuRealtime: boolean;
  /** CPUs and memory nodes containers may use (`0-1`), for --cpuset-* checks. */
  cpus: string;
  mems: string;
}

export interface CgroupLayout {
  version: '1' | '2';
  /** Controllers still bound to a v2 hierarchy on a v1 host (crun rejects these). */
  hybridV2Controllers: string[];
  warnings: string[];
  /** The mount point of the hierarchies (`/sys/fs/cgroup`). */
  root: string;
  features: CgroupFeatures;
}

function readTrim(path: string): string {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return '';
  }
}

export function detectCgroups(root = '/sys/fs/cgroup'): CgroupLayout {
  if (existsSync(`${root}/cgroup.controllers`)) {
    const has = (f: string) => existsSync(join(root, 'berth', f)) || existsSync(join(root, f));
    const controllers = readTrim(`${root}/cgroup.controllers`).split(/\s+/);
    return {
      version: '2',
      hybridV2Controllers: [],
      warnings: [],
      root,
      features: {
        swapLimit: existsSync(join(root, 'memory.swap.max')) || controllers.includes('memory'),
        swappiness: false,
        oomKillDisable: false,
        blkioWeight: has('io.weight') || has('io.bfq.weight'),
        cpuRealtime: false,
        cpus: readTrim(`${root}/cpuset.cpus.effective`) || readTrim('/sys/devices/system/cpu/online'),
        mems: readTrim(`${root}/cpuset.mems.effective`) || '0',
      },
    };
  }
  const unified = `${root}/unified/cgroup.controllers`;
  const hybrid = existsSync(unified) ? readTrim(unified).split(/\s+/).filter(Boolean) : [];
  const warnings = hybrid.length
    ? [
        `cgroups: the v2 hierarchy owns ${hybrid.join(', ')}; the OCI runtime rejects this hybrid layout (run scripts/cgroups-fixup.sh)`,
      ]
    : [];
  return {
    version: '1',
    hybridV2Controllers: hybrid,
    warnings,
    root,
    features: {
      swapLimit: existsSync(`${root}/memory/memory.memsw.limit_in_bytes`),
      swappiness: existsSync(`${root}/memory/memory.swappiness`),
      oomKillDisable: existsSync(`${root}/memory/memory.oom_control`),
      blkioWeight: existsSync(`${root}/blkio/blkio.weight`) || existsSync(`${root}/blkio/blkio.bfq.weight`),
      cpuRealtime: existsSync(`${root}/cpu/cpu.rt_runtime_us`),
      cpus: readTrim(`${root}/cpuset/cpuset.effective_cpus`) || readTrim(`${root}/cpuset/cpuset.cpus`),
      mems: readTrim(`${root}/cpuset/cpuset.effective_mems`) || readTrim(`${root}/cpuset/cpuset.mems`),
    },
  };
}

/** The directory of a controller's cgroup `path` (v2: one directory for all). */
export function cgroupDir(layout: CgroupLayout, controller: string, path: string): string {
  return layout.version === '2' ? join(layout.root, path) : join(layout.root, controller, path);
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** `key value` lines (memory.stat, cpu.stat, memory.events) as numbers. */
export function parseKeyed(text: string | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of (text ?? '').split('\n')) {
    const [k, v] = line.split(' ');
    if (k && v !== undefined) out[k] = Number(v);
  }
  return out;
}

function num(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  if (t === 'max') return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** How many times the kernel's OOM killer killed a process of the cgroup. */
export async function oomKills(layout: CgroupLayout, path: string): Promise<number> {
  const file =
    layout.version === '2'
      ? join(cgroupDir(layout, 'memory', path), 'memory.events')
      : join(cgroupDir(layout, 'memory', path), 'memory.oom_control');
  return parseKeyed(await readText(file)).oom_kill ?? 0;
}

/** The host PIDs of every process in the cgroup. */
export async function cgroupPids(layout: CgroupLayout, path: string): Promise<number[]> {
  const text = await readText(join(cgroupDir(layout, 'pids', path), 'cgroup.procs'));
  return (text ?? '')
    .split('\n')
    .filter(Boolean)
    .map((l) => Number(l));
}

/** One device's counters from blkio/io files. */
export interface IoEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

/** A cgroup's counters at one moment, from v1 or v2 files (absent where the host has no such file). */
export interface CgroupSample {
  memory: { usage?: number; maxUsage?: number; limit?: number; failcnt?: number; stats: Record<string, number> };
  cpu: {
    /** Nanoseconds. */
    total: number;
    perCpu?: number[];
    user: number;
    system: number;
    throttling: { periods: number; throttledPeriods: number; throttledTime: number };
  };
  pids: { current?: number; limit?: number };
  io: { bytes: IoEntry[]; ops: IoEntry[] };
}

/** USER_HZ, the unit of cpuacct.stat. */
const CLOCK_TICK_NS = 1e9 / 100;

function parseBlkioV1(text: string | undefined): IoEntry[] {
  const out: IoEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\d+):(\d+) (\w+) (\d+)$/.exec(line.trim());
    if (m) out.push({ major: Number(m[1]), minor: Number(m[2]), op: m[3] ?? '', value: Number(m[4]) });
  }
  return out;
}

function parseIoStatV2(text: string | undefined): { bytes: IoEntry[]; ops: IoEntry[] } {
  const bytes: IoEntry[] = [];
  const ops: IoEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const [dev, ...fields] = line.trim().split(' ');
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    const major = Number(m[1]);
    const minor = Number(m[2]);
    const f = parseKeyed(fields.map((x) => x.replace('=', ' ')).join('\n'));
    bytes.push({ major, minor, op: 'read', value: f.rbytes ?? 0 }, { major, minor, op: 'write', value: f.wbytes ?? 0 });
    ops.push({ major, minor, op: 'read', value: f.rios ?? 0 }, { major, minor, op: 'write', value: f.wios ?? 0 });
  }
  return { bytes, ops };
}

/** Reads a cgroup's counters; every file is read at once, in parallel. */
export async function sampleCgroup(layout: CgroupLayout, path: string): Promise<CgroupSample> {
  if (layout.version === '2') {
    const dir = cgroupDir(layout, '', path);
    const [current, max, stat, events, cpuStat, pidsCur, pidsMax, io] = await Promise.all(
      [
        'memory.current',
        'memory.max',
        'memory.stat',
        'memory.events',
        'cpu.stat',
        'pids.current',
        'pids.max',
        'io.stat',
      ].map((f) => readText(join(dir, f))),
    );
    const cpu = parseKeyed(cpuStat);
    return {
      memory: { usage: num(current), limit: num(max), failcnt: parseKeyed(events).max, stats: parseKeyed(stat) },
      cpu: {
        total: (cpu.usage_usec ?? 0) * 1000,
        user: (cpu.user_usec ?? 0) * 1000,
        system: (cpu.system_usec ?? 0) * 1000,
        throttling: {
          periods: cpu.nr_periods ?? 0,
          throttledPeriods: cpu.nr_throttled ?? 0,
          throttledTime: (cpu.throttled_usec ?? 0) * 1000,
        },
      },
      pids: { current: num(pidsCur), limit: num(pidsMax) },
      io: parseIoStatV2(io),
    };
  }
  const d = (c: string, f: string) => join(cgroupDir(layout, c, path), f);
  const [usage, maxUsage, limit, failcnt, stat, acct, perCpu, acctStat, cpuStat, pidsCur, pidsMax, ioBytes, ioOps] =
    await Promise.all(
      [
        d('memory', 'memory.usage_in_bytes'),
        d('memory', 'memory.max_usage_in_bytes'),
        d('memory', 'memory.limit_in_bytes'),
        d('memory', 'memory.failcnt'),
        d('memory', 'memory.stat'),
        d('cpuacct', 'cpuacct.usage'),
        d('cpuacct', 'cpuacct.usage_percpu'),
        d('cpuacct', 'cpuacct.stat'),
        d('cpu', 'cpu.stat'),
        d('pids', 'pids.current'),
        d('pids', 'pids.max'),
        d('blkio', 'blkio.throttle.io_service_bytes_recursive'),
        d('blkio', 'blkio.throttle.io_serviced_recursive'),
      ].map(readText),
    );
  const ticks = parseKeyed(acctStat);
  const cpu = parseKeyed(cpuStat);
  return {
    memory: {
      usage: num(usage),
      maxUsage: num(maxUsage),
      limit: num(limit),
      failcnt: num(failcnt),
      stats: parseKeyed(stat),
    },
    cpu: {
      total: num(acct) ?? 0,
      perCpu: (perCpu ?? '').trim().split(/\s+/).filter(Boolean).map(Number),
      user: (ticks.user ?? 0) * CLOCK_TICK_NS,
      system: (ticks.system ?? 0) * CLOCK_TICK_NS,
      throttling: {
        periods: cpu.nr_periods ?? 0,
        throttledPeriods: cpu.nr_throttled ?? 0,
        throttledTime: cpu.throttled_time ?? 0,
      },
    },
    pids: { current: num(pidsCur), limit: num(pidsMax) },
    io: { bytes: parseBlkioV1(ioBytes), ops: parseBlkioV1(ioOps) },
  };
}

/** The host's total CPU time in nanoseconds (the first line of /proc/stat), as Docker's system_cpu_usage. */
export async function systemCpuUsage(): Promise<number> {
  const text = (await readText('/proc/stat')) ?? '';
  const line = text.slice(0, text.indexOf('\n'));
  const ticks = line
    .split(/\s+/)
    .slice(1, 8)
    .reduce((a, b) => a + Number(b || 0), 0);
  return ticks * CLOCK_TICK_NS;
}
