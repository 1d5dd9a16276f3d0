/**
 * Resource limits as Docker checks and applies them: the rules of
 * `docker run --memory/--cpus/...` and `docker update` (conflicts, ranges,
 * settings the host cannot honour dropped with Docker's warnings), and the
 * OCI linux.resources they become. crun writes them into the cgroup (v1 or
 * v2 files, its choice), at create and on `crun update`. Pure: host facts
 * come in as arguments.
 */
import type { Resources } from '../types.ts';
import { invalidArgument } from '../../lib/errors.ts';
import type { CgroupFeatures } from '../../host/cgroups.ts';
import type { OciDeviceValue, OciResources } from '../../oci/runtime-spec.ts';

/** Docker's smallest memory limit and reservation. */
const MIN_MEMORY = 6 * 1024 * 1024;
const CPU_PERIOD = 100_000;

/** The host facts the checks need. */
export interface ResourceHost {
  ncpu: number;
  features: CgroupFeatures;
  cgroupVersion: '1' | '2';
}

/** Parses a cpuset list (`0-2,4`) into its numbers; undefined when malformed. */
export function parseCpuset(list: string): Set<number> | undefined {
  const out = new Set<number>();
  if (list.trim() === '') return out;
  for (const part of list.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return undefined;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (hi < lo) return undefined;
    for (let i = lo; i <= hi; i++) out.add(i);
  }
  return out;
}

function checkCpuset(kind: 'cpus' | 'mems', want: string, available: string): void {
  const w = parseCpuset(want);
  if (!w) throw invalidArgument(`Invalid value ${want} for cpuset ${kind}`);
  const a = parseCpuset(available);
  if (a && a.size > 0 && [...w].some((n) => !a.has(n))) {
    throw invalidArgument(
      `Requested ${kind === 'cpus' ? 'CPUs' : 'memory nodes'} are not available - requested ${want}, available: ${available}`,
    );
  }
}

/**
 * Checks resource settings as Docker's daemon does and normalizes them in
 * place (settings the host lacks are removed). `current` is the container's
 * present resources for `update` (a new memory limit is checked against the
 * swap already set). Returns Docker's warnings; throws 'invalid-argument'.
 */
export function checkResources(r: Resources, host: ResourceHost, current: Resources = {}): string[] {
  const warnings: string[] = [];
  const memory = r.Memory ?? current.Memory ?? 0;
  if (r.Memory !== undefined && r.Memory !== 0 && r.Memory < MIN_MEMORY) {
    throw invalidArgument('Minimum memory limit allowed is 6MB');
  }
  if (r.MemorySwap !== undefined && r.MemorySwap > 0) {
    if (memory === 0) {
      throw invalidArgument('You should always set the Memory limit when using Memoryswap limit, see usage');
    }
    if (r.MemorySwap < memory) {
      throw invalidArgument('Minimum memoryswap limit should be larger than memory limit, see usage');
    }
  }
  if ((r.MemorySwap ?? 0) !== 0 && !host.features.swapLimit) {
    warnings.push(
      'Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.',
    );
    r.MemorySwap = -1;
  }
  if (r.MemorySwappiness !== undefined && r.MemorySwappiness !== null && r.MemorySwappiness !== -1) {
    if (r.MemorySwappiness < 0 || r.MemorySwappiness > 100) {
      throw invalidArgument(`Invalid value: ${r.MemorySwappiness}, valid memory swappiness range is 0-100`);
    }
    if (!host.features.swappiness) {
      warnings.push(
        'Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.',
      );
      r.MemorySwappiness = null;
    }
  }
  if (r.MemoryReservation !== undefined && r.MemoryReservation !== 0) {
    if (r.MemoryReservation < MIN_MEMORY) throw invalidArgument('Minimum memory reservation allowed is 6MB');
    if (memory > 0 && memory < r.MemoryReservation) {
      throw invalidArgument('Minimum memory limit can not be less than memory reservation limit, see usage');
    }
  }
  if (r.KernelMemory !== undefined && r.KernelMemory !== 0) {
    warnings.push('Specifying a kernel memory limit is deprecated and will be removed in a future release.');
    warnings.push(
      'Your kernel does not support kernel memory limit capabilities or the cgroup is not mounted. Limitation discarded.',
    );
    r.KernelMemory = 0;
  }
  if (r.OomKillDisable === true) {
    if (!host.features.oomKillDisable) {
      warnings.push('Your kernel does not support OomKillDisable. OomKillDisable discarded.');
      r.OomKillDisable = false;
    } else if (memory === 0) {
      warnings.push(
        'OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.',
      );
    }
  }
  if (r.PidsLimit !== undefined && r.PidsLimit !== null && r.PidsLimit <= 0) r.PidsLimit = 0;

  const nano = r.NanoCpus ?? 0;
  if (nano !== 0) {
    if ((r.CpuPeriod ?? 0) !== 0 || (current.CpuPeriod ?? 0) !== 0) {
      throw invalidArgument('Conflicting options: Nano CPUs and CPU Period cannot both be set');
    }
    if ((r.CpuQuota ?? 0) !== 0 || (current.CpuQuota ?? 0) !== 0) {
      throw invalidArgument('Conflicting options: Nano CPUs and CPU Quota cannot both be set');
    }
    if (nano < 0 || nano > host.ncpu * 1e9) {
      throw invalidArgument(
        `Range of CPUs is from 0.01 to ${host.ncpu}.00, as there are only ${host.ncpu} CPUs available`,
      );
    }
  } else if ((current.NanoCpus ?? 0) !== 0 && ((r.CpuPeriod ?? 0) !== 0 || (r.CpuQuota ?? 0) !== 0)) {
    throw invalidArgument(
      'Conflicting options: CPU Quota or CPU Period cannot be updated as NanoCPUs has already been set',
    );
  }
  const period = r.CpuPeriod ?? 0;
  if (period !== 0 && (period < 1000 || period > 1_000_000)) {
    throw invalidArgument('CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)');
  }
  if ((r.CpuQuota ?? 0) > 0 && (r.CpuQuota ?? 0) < 1000) {
    throw invalidArgument('CPU cfs quota can not be less than 1ms (i.e. 1000)');
  }
  if ((r.CpuShares ?? 0) < 0) throw invalidArgument(`invalid CPU shares: ${r.CpuShares}: must be ≥ 0`);
  if ((r.CpuShares ?? 0) > 0 && (r.CpuShares ?? 0) < 2) {
    warnings.push('Your kernel does not support CPU shares below 2. Shares raised to 2.');
    r.CpuShares = 2;
  }
  if ((r.CpuRealtimePeriod ?? 0) !== 0 || (r.CpuRealtimeRuntime ?? 0) !== 0) {
    if (!host.features.cpuRealtime) {
      throw invalidArgument('Your kernel does not support CPU real-time scheduler');
    }
    if ((r.CpuRealtimeRuntime ?? 0) > (r.CpuRealtimePeriod ?? 0) && (r.CpuRealtimePeriod ?? 0) !== 0) {
      throw invalidArgument('cpu-rt-runtime cannot be higher than cpu-rt-period');
    }
  }
  if (r.CpusetCpus) checkCpuset('cpus', r.CpusetCpus, host.features.cpus);
  if (r.CpusetMems) checkCpuset('mems', r.CpusetMems, host.features.mems);

  const weight = r.BlkioWeight ?? 0;
  if (weight !== 0 && (weight < 10 || weight > 1000)) throw invalidArgument('Range of blkio weight is from 10 to 1000');
  for (const d of r.BlkioWeightDevice ?? []) {
    if (d.Weight < 10 || d.Weight > 1000) throw invalidArgument('Range of blkio weight is from 10 to 1000');
  }
  if ((weight !== 0 || (r.BlkioWeightDevice ?? []).length > 0) && !host.features.blkioWeight) {
    warnings.push('Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.');
    r.BlkioWeight = 0;
    r.BlkioWeightDevice = [];
  }
  for (const key of [
    'BlkioDeviceReadBps',
    'BlkioDeviceWriteBps',
    'BlkioDeviceReadIOps',
    'BlkioDeviceWriteIOps',
  ] as const) {
    for (const d of r[key] ?? []) {
      if (!d.Path) throw invalidArgument(`${key}: a device path is required`);
      if (d.Rate < 0) throw invalidArgument(`${key}: invalid rate ${d.Rate}`);
    }
  }
  return warnings;
}

/** Resolves a device path to its numbers (the caller stats it); throws when it is not a device. */
export type DeviceLookup = (path: string) => { major: number; minor: number };

/** The OCI linux.resources (devices aside) for Docker resource settings. */
export function ociResources(r: Resources, device: DeviceLookup): Omit<OciResources, 'devices'> {
  const out: Omit<OciResources, 'devices'> = {};
  const memory: NonNullable<OciResources['memory']> = {};
  if ((r.Memory ?? 0) > 0) memory.limit = r.Memory;
  if ((r.MemoryReservation ?? 0) > 0) memory.reservation = r.MemoryReservation;
  if ((r.MemorySwap ?? 0) !== 0) memory.swap = r.MemorySwap;
  if (r.MemorySwappiness !== undefined && r.MemorySwappiness !== null && r.MemorySwappiness >= 0) {
    memory.swappiness = r.MemorySwappiness;
  }
  if (r.OomKillDisable === true) memory.disableOOMKiller = true;
  if (Object.keys(memory).length > 0) out.memory = memory;

  const cpu: NonNullable<OciResources['cpu']> = {};
  if ((r.CpuShares ?? 0) > 0) cpu.shares = r.CpuShares;
  if ((r.NanoCpus ?? 0) > 0) {
    cpu.period = CPU_PERIOD;
    cpu.quota = Math.round(((r.NanoCpus ?? 0) * CPU_PERIOD) / 1e9);
  } else {
    if ((r.CpuPeriod ?? 0) > 0) cpu.period = r.CpuPeriod;
    if ((r.CpuQuota ?? 0) !== 0) cpu.quota = r.CpuQuota;
  }
  if ((r.CpuRealtimePeriod ?? 0) > 0) cpu.realtimePeriod = r.CpuRealtimePeriod;
  if ((r.CpuRealtimeRuntime ?? 0) !== 0) cpu.realtimeRuntime = r.CpuRealtimeRuntime;
  if (r.CpusetCpus) cpu.cpus = r.CpusetCpus;
  if (r.CpusetMems) cpu.mems = r.CpusetMems;
  if (Object.keys(cpu).length > 0) out.cpu = cpu;

  if (r.PidsLimit !== undefined && r.PidsLimit !== null && r.PidsLimit > 0) out.pids = { limit: r.PidsLimit };

  const io: NonNullable<OciResources['blockIO']> = {};
  if ((r.BlkioWeight ?? 0) > 0) io.weight = r.BlkioWeight;
  const devs = (list: { Path: string; Rate?: number; Weight?: number }[] | null | undefined, key: 'rate' | 'weight') =>
    (list ?? []).map((d): OciDeviceValue => ({ ...device(d.Path), [key]: key === 'rate' ? d.Rate : d.Weight }));
  const wd = devs(r.BlkioWeightDevice, 'weight');
  if (wd.length) io.weightDevice = wd;
  const rb = devs(r.BlkioDeviceReadBps, 'rate');
  if (rb.length) io.throttleReadBpsDevice = rb;
  const wb = devs(r.BlkioDeviceWriteBps, 'rate');
  if (wb.length) io.throttleWriteBpsDevice = wb;
  const ri = devs(r.BlkioDeviceReadIOps, 'rate');
  if (ri.length) io.throttleReadIOPSDevice = ri;
  const wi = devs(r.BlkioDeviceWriteIOps, 'rate');
  if (wi.length) io.throttleWriteIOPSDevice = wi;
  if (Object.keys(io).length > 0) out.blockIO = io;
  return out;
}

/** The resource fields of `r` that are set (for merging an update into HostConfig). */
export const RESOURCE_KEYS: readonly (keyof Resources)[] = [
  'CpuShares',
  'Memory',
  'NanoCpus',
  'CpuPeriod',
  'CpuQuota',
  'CpuRealtimePeriod',
  'CpuRealtimeRuntime',
  'CpusetCpus',
  'CpusetMems',
  'BlkioWeight',
  'BlkioWeightDevice',
  'BlkioDeviceReadBps',
  'BlkioDeviceWriteBps',
  'BlkioDeviceReadIOps',
  'BlkioDeviceWriteIOps',
  'KernelMemory',
  'MemoryReservation',
  'MemorySwap',
  'MemorySwappiness',
  'OomKillDisable',
  'PidsLimit',
];
