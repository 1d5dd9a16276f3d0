/**
 * `stats` rows as the docker CLI computes and prints them
 * (cli/command/container/stats_helpers.go, formatter_stats.go): CPU % from
 * the sample and its precpu, memory without the inactive page cache, binary
 * units for memory and decimal ones for network and block I/O.
 */
import type { ContainerStats } from '../engine/types.ts';
import { formatG, humanSize } from './units.ts';

/** One row's figures. */
export interface StatsEntry {
  id: string;
  name: string;
  cpuPercent: number;
  memory: number;
  memoryLimit: number;
  memoryPercent: number;
  netRx: number;
  netTx: number;
  blockRead: number;
  blockWrite: number;
  pids: number;
}

export function statsEntry(s: ContainerStats): StatsEntry {
  const cpu = s.cpu_stats;
  const pre = s.precpu_stats;
  const cpuDelta = cpu.cpu_usage.total_usage - pre.cpu_usage.total_usage;
  const systemDelta = (cpu.system_cpu_usage ?? 0) - (pre.system_cpu_usage ?? 0);
  const online = cpu.online_cpus || cpu.cpu_usage.percpu_usage?.length || 0;
  const cpuPercent = systemDelta > 0 && cpuDelta > 0 ? (cpuDelta / systemDelta) * online * 100 : 0;
  const m = s.memory_stats;
  const stats = m.stats ?? {};
  let memory = m.usage ?? 0;
  const inactive = stats.total_inactive_file ?? stats.inactive_file;
  if (inactive !== undefined && inactive < memory) memory -= inactive;
  const limit = m.limit ?? 0;
  let rx = 0;
  let tx = 0;
  for (const n of Object.values(s.networks ?? {})) {
    rx += n.rx_bytes;
    tx += n.tx_bytes;
  }
  let read = 0;
  let write = 0;
  for (const e of s.blkio_stats.io_service_bytes_recursive ?? []) {
    const op = e.op.toLowerCase();
    if (op === 'read') read += e.value;
    else if (op === 'write') write += e.value;
  }
  return {
    id: s.id,
    name: s.name.replace(/^\//, ''),
    cpuPercent,
    memory,
    memoryLimit: limit,
    memoryPercent: limit > 0 ? (memory / limit) * 100 : 0,
    netRx: rx,
    netTx: tx,
    blockRead: read,
    blockWrite: write,
    pids: s.pids_stats.current ?? 0,
  };
}

const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

/** go-units BytesSize: binary units, `%.4g`. */
export function bytesSize(n: number): string {
  let size = n;
  let i = 0;
  while (size >= 1024 && i < BINARY.length - 1) {
    size /= 1024;
    i++;
  }
  return `${formatG(size, 4)}${BINARY[i]}`;
}

/** The template context of a row (the docker CLI's field names). */
export function statsRow(e: StatsEntry): Record<string, string> {
  return {
    ID: e.id.slice(0, 12),
    Container: e.id.slice(0, 12),
    Name: e.name,
    CPUPerc: `${e.cpuPercent.toFixed(2)}%`,
    MemUsage: `${bytesSize(e.memory)} / ${bytesSize(e.memoryLimit)}`,
    MemPerc: `${e.memoryPercent.toFixed(2)}%`,
    NetIO: `${humanSize(e.netRx, 3)} / ${humanSize(e.netTx, 3)}`,
    BlockIO: `${humanSize(e.blockRead, 3)} / ${humanSize(e.blockWrite, 3)}`,
    PIDs: String(e.pids),
  };
}

export const STATS_HEADER = {
  ID: 'CONTAINER ID',
  Container: 'CONTAINER',
  Name: 'NAME',
  CPUPerc: 'CPU %',
  MemUsage: 'MEM USAGE / LIMIT',
  MemPerc: 'MEM %',
  NetIO: 'NET I/O',
  BlockIO: 'BLOCK I/O',
  PIDs: 'PIDS',
};

export const STATS_DEFAULT_FORMAT =
  'table {{.ID}}\t{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}\t{{.MemPerc}}\t{{.NetIO}}\t{{.BlockIO}}\t{{.PIDs}}';
