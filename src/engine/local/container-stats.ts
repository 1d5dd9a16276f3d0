/**
 * `stats` samples in the shape the docker CLI reads (types.StatsJSON): cgroup
 * counters (v1 or v2), the host's CPU time, and the network counters of the
 * container's namespace. CPU % needs two samples; Docker waits a second for a
 * second one (`docker stats --no-stream` takes ~2 s). berth answers at once:
 * the "previous" sample is the last one taken for the container (a stream,
 * an earlier call), else the container's start (zero usage, the host's CPU
 * time then), so a first one-shot shows the average since start.
 */
import { readFileSync } from 'node:fs';
import type { BlkioEntry, ContainerStats, CpuStats } from '../types.ts';
import type { CgroupSample, IoEntry } from '../../host/cgroups.ts';

/** What a sample is about: the container and the moment. */
export interface StatsMeta {
  id: string;
  name: string;
  /** ISO time of the sample. */
  read: string;
  /** Host CPU time in ns at the sample (/proc/stat). */
  systemCpu: number;
  onlineCpus: number;
  /** The host's memory: the limit Docker reports for a container without one. */
  hostMemory: number;
}

/** What a later sample needs of an earlier one. */
export interface PreviousSample {
  read: string;
  cpu: CpuStats;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

function blkio(entries: IoEntry[]): BlkioEntry[] {
  return entries.map((e) => ({ major: e.major, minor: e.minor, op: e.op, value: e.value }));
}

export function cpuStats(s: CgroupSample, meta: StatsMeta): CpuStats {
  return {
    cpu_usage: {
      total_usage: s.cpu.total,
      ...(s.cpu.perCpu && s.cpu.perCpu.length > 0 ? { percpu_usage: s.cpu.perCpu } : {}),
      usage_in_kernelmode: s.cpu.system,
      usage_in_usermode: s.cpu.user,
    },
    system_cpu_usage: meta.systemCpu,
    online_cpus: meta.onlineCpus,
    throttling_data: {
      periods: s.cpu.throttling.periods,
      throttled_periods: s.cpu.throttling.throttledPeriods,
      throttled_time: s.cpu.throttling.throttledTime,
    },
  };
}

/** An all-zero CPU sample (a stopped container's, or "before" for a one-shot). */
export function emptyCpu(): CpuStats {
  return {
    cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  };
}

/** One sample in Docker's shape; `pre` gives precpu_stats (absent: empty, as Docker's one-shot). */
export function toDockerStats(
  s: CgroupSample,
  meta: StatsMeta,
  pre: PreviousSample | undefined,
  networks: ContainerStats['networks'],
): ContainerStats {
  const memStats = s.memory.stats;
  return {
    name: `/${meta.name}`,
    id: meta.id,
    read: meta.read,
    preread: pre?.read ?? ZERO_TIME,
    pids_stats: {
      ...(s.pids.current !== undefined ? { current: s.pids.current } : {}),
      ...(s.pids.limit !== undefined ? { limit: s.pids.limit } : {}),
    },
    blkio_stats: {
      io_service_bytes_recursive: blkio(s.io.bytes),
      io_serviced_recursive: blkio(s.io.ops),
      io_queue_recursive: null,
      io_service_time_recursive: null,
      io_wait_time_recursive: null,
      io_merged_recursive: null,
      io_time_recursive: null,
      sectors_recursive: null,
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(s, meta),
    precpu_stats: pre?.cpu ?? emptyCpu(),
    memory_stats: {
      ...(s.memory.usage !== undefined ? { usage: s.memory.usage } : {}),
      ...(s.memory.maxUsage !== undefined ? { max_usage: s.memory.maxUsage } : {}),
      stats: memStats,
      ...(s.memory.failcnt !== undefined ? { failcnt: s.memory.failcnt } : {}),
      // Unlimited is reported as the host's memory, as Docker does.
      limit: s.memory.limit !== undefined && s.memory.limit < meta.hostMemory ? s.memory.limit : meta.hostMemory,
    },
    ...(networks && Object.keys(networks).length > 0 ? { networks } : {}),
  };
}

/** A stopped container's sample: zeros and Docker's zero times. */
export function stoppedStats(id: string, name: string): ContainerStats {
  return {
    name: `/${name}`,
    id,
    read: ZERO_TIME,
    preread: ZERO_TIME,
    pids_stats: {},
    blkio_stats: {
      io_service_bytes_recursive: null,
      io_serviced_recursive: null,
      io_queue_recursive: null,
      io_service_time_recursive: null,
      io_wait_time_recursive: null,
      io_merged_recursive: null,
      io_time_recursive: null,
      sectors_recursive: null,
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: emptyCpu(),
    precpu_stats: emptyCpu(),
    memory_stats: {},
  };
}

/** Per-interface counters of a process's network namespace (/proc/<pid>/net/dev), loopback left out. */
export function networkStats(pid: number): ContainerStats['networks'] {
  let text: string;
  try {
    // A procfs pseudo-file: read synchronously, as the cgroup files are (see host/cgroups.ts).
    text = readFileSync(`/proc/${pid}/net/dev`, 'utf8');
  } catch {
    return undefined;
  }
  const out: NonNullable<ContainerStats['networks']> = {};
  for (const line of text.split('\n').slice(2)) {
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const name = line.slice(0, colon).trim();
    if (name === 'lo') continue;
    const f = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .map(Number);
    out[name] = {
      rx_bytes: f[0] ?? 0,
      rx_packets: f[1] ?? 0,
      rx_errors: f[2] ?? 0,
      rx_dropped: f[3] ?? 0,
      tx_bytes: f[8] ?? 0,
      tx_packets: f[9] ?? 0,
      tx_errors: f[10] ?? 0,
      tx_dropped: f[11] ?? 0,
    };
  }
  return out;
}
