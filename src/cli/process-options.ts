/**
 * The `create`/`run` flags for resources, namespaces, process settings,
 * health checks and logging, turned into ContainerConfig and HostConfig
 * fields the way the docker CLI does (cli/command/container/opts.go): sizes
 * through go-units (`512m`, `1g`; "12q" refused before the daemon is asked),
 * `--cpus` as NanoCpus, durations as Go durations. Range and conflict rules
 * are the daemon's, so `docker run` meets them too.
 */
import type {
  ContainerConfig,
  HealthConfig,
  HostConfig,
  Resources,
  ThrottleDevice,
  WeightDevice,
} from '../engine/types.ts';
import { type FlagSpec, type ParsedArgs, UsageError } from './argv.ts';
import { parseGoDuration } from './time.ts';
import { parseBytes, ramInBytes } from '../lib/size.ts';

/** Resource, namespace, process, health and logging flags of create and run. */
export const PROCESS_FLAGS: FlagSpec[] = [
  { long: 'memory', short: 'm', type: 'string', valueName: 'bytes', description: 'Memory limit' },
  {
    long: 'memory-swap',
    type: 'string',
    valueName: 'bytes',
    description: "Swap limit equal to memory plus swap: '-1' to enable unlimited swap",
  },
  { long: 'memory-reservation', type: 'string', valueName: 'bytes', description: 'Memory soft limit' },
  {
    long: 'memory-swappiness',
    type: 'int',
    description: 'Tune container memory swappiness (0 to 100)',
    default: -1,
  },
  { long: 'kernel-memory', type: 'string', valueName: 'bytes', description: 'Kernel memory limit (deprecated)' },
  { long: 'oom-kill-disable', type: 'bool', description: 'Disable OOM Killer' },
  { long: 'oom-score-adj', type: 'int', description: "Tune host's OOM preferences (-1000 to 1000)" },
  { long: 'cpus', type: 'string', valueName: 'decimal', description: 'Number of CPUs' },
  { long: 'cpu-shares', short: 'c', type: 'int', description: 'CPU shares (relative weight)' },
  { long: 'cpu-period', type: 'int', description: 'Limit CPU CFS (Completely Fair Scheduler) period' },
  { long: 'cpu-quota', type: 'int', description: 'Limit CPU CFS (Completely Fair Scheduler) quota' },
  { long: 'cpu-rt-period', type: 'int', description: 'Limit CPU real-time period in microseconds' },
  { long: 'cpu-rt-runtime', type: 'int', description: 'Limit CPU real-time runtime in microseconds' },
  { long: 'cpuset-cpus', type: 'string', description: 'CPUs in which to allow execution (0-3, 0,1)' },
  { long: 'cpuset-mems', type: 'string', description: 'MEMs in which to allow execution (0-3, 0,1)' },
  { long: 'pids-limit', type: 'int', description: 'Tune container pids limit (set -1 for unlimited)' },
  {
    long: 'blkio-weight',
    type: 'int',
    description: 'Block IO (relative weight), between 10 and 1000, or 0 to disable',
  },
  { long: 'blkio-weight-device', type: 'list', description: 'Block IO weight (relative device weight)' },
  { long: 'device-read-bps', type: 'list', description: 'Limit read rate (bytes per second) from a device' },
  { long: 'device-write-bps', type: 'list', description: 'Limit write rate (bytes per second) to a device' },
  { long: 'device-read-iops', type: 'list', description: 'Limit read rate (IO per second) from a device' },
  { long: 'device-write-iops', type: 'list', description: 'Limit write rate (IO per second) to a device' },
  { long: 'shm-size', type: 'string', valueName: 'bytes', description: 'Size of /dev/shm' },
  { long: 'sysctl', type: 'list', description: 'Sysctl options' },
  { long: 'group-add', type: 'list', description: 'Add additional groups to join' },
  { long: 'stop-signal', type: 'string', description: 'Signal to stop the container' },
  { long: 'stop-timeout', type: 'int', description: 'Timeout (in seconds) to stop a container' },
  { long: 'domainname', type: 'string', description: 'Container NIS domain name' },
  { long: 'add-host', type: 'list', description: 'Add a custom host-to-IP mapping (host:ip)' },
  { long: 'dns', type: 'list', description: 'Set custom DNS servers' },
  { long: 'dns-search', type: 'list', description: 'Set custom DNS search domains' },
  { long: 'dns-option', type: 'list', description: 'Set DNS options' },
  { long: 'dns-opt', type: 'list', description: 'Set DNS options', hidden: true },
  { long: 'pid', type: 'string', description: 'PID namespace to use' },
  { long: 'ipc', type: 'string', description: 'IPC mode to use' },
  { long: 'uts', type: 'string', description: 'UTS namespace to use' },
  { long: 'cgroupns', type: 'string', description: 'Cgroup namespace to use (host|private)' },
  { long: 'userns', type: 'string', description: 'User namespace to use' },
  { long: 'health-cmd', type: 'string', description: 'Command to run to check health' },
  {
    long: 'health-interval',
    type: 'string',
    valueName: 'duration',
    description: 'Time between running the check (ms|s|m|h) (default 0s)',
  },
  {
    long: 'health-timeout',
    type: 'string',
    valueName: 'duration',
    description: 'Maximum time to allow one check to run (ms|s|m|h) (default 0s)',
  },
  { long: 'health-retries', type: 'int', description: 'Consecutive failures needed to report unhealthy' },
  {
    long: 'health-start-period',
    type: 'string',
    valueName: 'duration',
    description:
      'Start period for the container to initialize before starting health-retries countdown (ms|s|m|h) (default 0s)',
  },
  {
    long: 'health-start-interval',
    type: 'string',
    valueName: 'duration',
    description: 'Time between running the check during the start period (ms|s|m|h) (default 0s)',
  },
  { long: 'no-healthcheck', type: 'bool', description: 'Disable any container-specified HEALTHCHECK' },
  { long: 'log-driver', type: 'string', description: 'Logging driver for the container (json-file, local, none)' },
  { long: 'log-opt', type: 'list', description: 'Log driver options (max-size, max-file)' },
];

function flagName(p: FlagSpec): string {
  return p.short ? `-${p.short}, --${p.long}` : `--${p.long}`;
}

function sizeFlag(p: ParsedArgs, name: string, allowMinusOne = false): number | undefined {
  const v = p.string(name);
  if (v === undefined || v === '') return undefined;
  if (allowMinusOne && v === '-1') return -1;
  const n = ramInBytes(v);
  if (typeof n === 'string') {
    const spec = PROCESS_FLAGS.find((f) => f.long === name);
    throw new UsageError(`invalid argument "${v}" for "${spec ? flagName(spec) : `--${name}`}" flag: ${n}`);
  }
  return n;
}

/** `--cpus 1.5` → 1_500_000_000 NanoCpus. */
export function parseCpus(v: string): number {
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(v.trim())) {
    throw new UsageError(`invalid argument "${v}" for "--cpus" flag: failed to parse ${v} as a rational number`);
  }
  const n = Math.round(Number(v) * 1e9);
  return n;
}

function throttle(list: string[], flag: string, kind: 'bps' | 'iops'): ThrottleDevice[] {
  return list.map((v) => {
    const i = v.lastIndexOf(':');
    const path = i < 0 ? '' : v.slice(0, i);
    const rate = i < 0 ? '' : v.slice(i + 1);
    if (!path.startsWith('/dev/'))
      throw new UsageError(`invalid argument "${v}" for "--${flag}" flag: bad format: ${v}`);
    const n = kind === 'bps' ? parseBytes(rate) : /^\d+$/.test(rate) ? Number(rate) : undefined;
    if (n === undefined) {
      throw new UsageError(
        `invalid argument "${v}" for "--${flag}" flag: invalid rate for device: ${v}. The correct format is <device-path>:<number>${kind === 'bps' ? '[<unit>]. Number must be a positive integer. Unit is optional and can be kb, mb, or gb' : '. Number must be a positive integer'}`,
      );
    }
    return { Path: path, Rate: n };
  });
}

function weights(list: string[]): WeightDevice[] {
  return list.map((v) => {
    const i = v.lastIndexOf(':');
    const path = i < 0 ? '' : v.slice(0, i);
    const w = i < 0 ? '' : v.slice(i + 1);
    if (!path.startsWith('/dev/') || !/^\d+$/.test(w)) {
      throw new UsageError(`invalid argument "${v}" for "--blkio-weight-device" flag: bad format: ${v}`);
    }
    return { Path: path, Weight: Number(w) };
  });
}

function duration(p: ParsedArgs, name: string): number | undefined {
  const v = p.string(name);
  if (v === undefined) return undefined;
  const ns = parseGoDuration(v);
  if (ns === undefined)
    throw new UsageError(`invalid argument "${v}" for "--${name}" flag: time: invalid duration "${v}"`);
  if (ns < 0) throw new UsageError(`--${name} cannot be negative`);
  return ns;
}

/** The Healthcheck of `--health-*`/`--no-healthcheck`, or undefined to keep the image's. */
export function healthcheckFrom(p: ParsedArgs): HealthConfig | undefined {
  const names = [
    'health-cmd',
    'health-interval',
    'health-timeout',
    'health-retries',
    'health-start-period',
    'health-start-interval',
  ];
  const any = names.some((n) => p.changed(n));
  if (p.bool('no-healthcheck')) {
    if (any) throw new UsageError('--no-healthcheck conflicts with --health-* options');
    return { Test: ['NONE'] };
  }
  if (!any) return undefined;
  const retries = p.int('health-retries') ?? 0;
  if (retries < 0) throw new UsageError('--health-retries cannot be negative');
  const cmd = p.string('health-cmd');
  return {
    Test: cmd === undefined || cmd === '' ? [] : ['CMD-SHELL', cmd],
    Interval: duration(p, 'health-interval') ?? 0,
    Timeout: duration(p, 'health-timeout') ?? 0,
    StartPeriod: duration(p, 'health-start-period') ?? 0,
    StartInterval: duration(p, 'health-start-interval') ?? 0,
    Retries: retries,
  };
}

/** The ContainerConfig fields of these flags. */
export function processConfig(p: ParsedArgs): Partial<ContainerConfig> {
  const out: Partial<ContainerConfig> = {};
  const sig = p.string('stop-signal');
  if (sig !== undefined) out.StopSignal = sig;
  const timeout = p.int('stop-timeout');
  if (p.changed('stop-timeout') && timeout !== undefined) out.StopTimeout = timeout;
  const domain = p.string('domainname');
  if (domain !== undefined) out.Domainname = domain;
  const health = healthcheckFrom(p);
  if (health) out.Healthcheck = health;
  return out;
}

/** The resource fields (the flags `update` shares with `run`): only those given. */
export function resourcesFrom(p: ParsedArgs): Resources {
  const hc: Resources = {};
  const set = <K extends keyof Resources>(k: K, v: Resources[K] | undefined) => {
    if (v !== undefined) hc[k] = v;
  };
  set('Memory', sizeFlag(p, 'memory'));
  set('MemorySwap', sizeFlag(p, 'memory-swap', true));
  set('MemoryReservation', sizeFlag(p, 'memory-reservation'));
  set('KernelMemory', sizeFlag(p, 'kernel-memory'));
  const cpus = p.string('cpus');
  if (cpus !== undefined && cpus !== '') hc.NanoCpus = parseCpus(cpus);
  set('CpuShares', p.int('cpu-shares'));
  set('CpuPeriod', p.int('cpu-period'));
  set('CpuQuota', p.int('cpu-quota'));
  set('CpuRealtimePeriod', p.int('cpu-rt-period'));
  set('CpuRealtimeRuntime', p.int('cpu-rt-runtime'));
  set('CpusetCpus', p.string('cpuset-cpus'));
  set('CpusetMems', p.string('cpuset-mems'));
  if (p.changed('pids-limit')) hc.PidsLimit = p.int('pids-limit');
  set('BlkioWeight', p.int('blkio-weight'));
  return hc;
}

/** The HostConfig fields of these flags. */
export function processHostConfig(p: ParsedArgs): Partial<HostConfig> {
  const hc: Partial<HostConfig> = resourcesFrom(p);
  const set = <K extends keyof HostConfig>(k: K, v: HostConfig[K] | undefined) => {
    if (v !== undefined) hc[k] = v;
  };
  const swappiness = p.int('memory-swappiness');
  if (swappiness !== undefined && swappiness !== -1) hc.MemorySwappiness = swappiness;
  if (p.changed('oom-kill-disable')) hc.OomKillDisable = p.bool('oom-kill-disable');
  set('OomScoreAdj', p.int('oom-score-adj'));
  const list = (name: string) => p.list(name);
  if (list('blkio-weight-device').length) hc.BlkioWeightDevice = weights(list('blkio-weight-device'));
  if (list('device-read-bps').length)
    hc.BlkioDeviceReadBps = throttle(list('device-read-bps'), 'device-read-bps', 'bps');
  if (list('device-write-bps').length)
    hc.BlkioDeviceWriteBps = throttle(list('device-write-bps'), 'device-write-bps', 'bps');
  if (list('device-read-iops').length)
    hc.BlkioDeviceReadIOps = throttle(list('device-read-iops'), 'device-read-iops', 'iops');
  if (list('device-write-iops').length)
    hc.BlkioDeviceWriteIOps = throttle(list('device-write-iops'), 'device-write-iops', 'iops');
  set('ShmSize', sizeFlag(p, 'shm-size'));
  if (list('sysctl').length) {
    const sysctls: Record<string, string> = {};
    for (const kv of list('sysctl')) {
      const eq = kv.indexOf('=');
      if (eq <= 0) throw new UsageError(`invalid argument "${kv}" for "--sysctl" flag: sysctl '${kv}' is not allowed`);
      sysctls[kv.slice(0, eq)] = kv.slice(eq + 1);
    }
    hc.Sysctls = sysctls;
  }
  if (list('group-add').length) hc.GroupAdd = list('group-add');
  if (list('add-host').length) {
    hc.ExtraHosts = list('add-host').map((h) => {
      if (!/^[^:=]+[:=].+$/.test(h))
        throw new UsageError(`invalid argument "${h}" for "--add-host" flag: bad format for add-host: "${h}"`);
      return h;
    });
  }
  if (list('dns').length) hc.Dns = list('dns');
  if (list('dns-search').length) hc.DnsSearch = list('dns-search');
  const dnsOpts = [...list('dns-option'), ...list('dns-opt')];
  if (dnsOpts.length) hc.DnsOptions = dnsOpts;
  set('PidMode', p.string('pid'));
  set('IpcMode', p.string('ipc'));
  set('UTSMode', p.string('uts'));
  set('CgroupnsMode', p.string('cgroupns'));
  set('UsernsMode', p.string('userns'));
  const driver = p.string('log-driver');
  const logOpts = list('log-opt');
  if (driver !== undefined || logOpts.length) {
    const config: Record<string, string> = {};
    for (const o of logOpts) {
      const eq = o.indexOf('=');
      if (eq <= 0)
        throw new UsageError(`invalid argument "${o}" for "--log-opt" flag: invalid key value pair format: ${o}`);
      config[o.slice(0, eq)] = o.slice(eq + 1);
    }
    hc.LogConfig = { Type: driver ?? '', Config: config };
  }
  return hc;
}
