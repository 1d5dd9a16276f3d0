/** SystemApi: ping, version, info — facts about this daemon and its host. */
import { readFileSync } from 'node:fs';
import { statfs } from 'node:fs/promises';
import { arch, cpus, hostname, release, totalmem } from 'node:os';
import type { SystemApi } from '../engine.ts';
import { API_VERSION, BERTH_VERSION, MIN_API_VERSION } from '../version.ts';
import type { DiskUsage, EventMessage, EventsOptions, SystemCheckFinding, SystemInfo, VersionInfo } from '../types.ts';
import { type EventBus, validateEventFilters } from '../../core/events/bus.ts';
import { invalidArgument } from '../../lib/errors.ts';
import type { CgroupLayout } from '../../host/cgroups.ts';
import type { ContainerStore } from '../../core/containers/store.ts';

export interface SystemDeps {
  id: string;
  dataRoot: string;
  runtime: { name: string; path: string };
  cgroups: CgroupLayout;
  containers: ContainerStore;
  imageCount: () => Promise<number>;
  debug: boolean;
  /** More warnings for `info` (e.g. from networking). */
  warnings?: () => string[];
  /** The daemon's event bus (GET /events). */
  events: EventBus;
  /** `system df` (engine/local/disk-usage.ts over the other APIs). */
  diskUsage: () => Promise<DiskUsage>;
  /**
   * The checks `system check` runs, one per area of the data root (volumes,
   * images, ...): each compares its records with the disk and, with
   * `repair`, fixes what a crash left half done.
   */
  checkers?: ((opts: { repair: boolean }) => Promise<SystemCheckFinding[]>)[];
}

function goArch(): string {
  const a = arch();
  return a === 'x64' ? 'amd64' : a === 'ia32' ? '386' : a;
}

function osName(): string {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(text)?.[1] ?? 'Linux';
  } catch {
    return 'Linux';
  }
}

/** Names of the filesystem under the data root, as Docker reports them. */
const FS_NAMES: Record<number, string> = {
  61267: 'extfs',
  1481003842: 'xfs',
  2435016766: 'btrfs',
  16914836: 'tmpfs',
  2035054128: 'overlayfs',
  801189825: 'zfs',
};

async function backingFilesystem(path: string): Promise<string> {
  try {
    const st = await statfs(path);
    return FS_NAMES[st.type] ?? `0x${st.type.toString(16)}`;
  } catch {
    return 'unknown';
  }
}

export function createSystemApi(d: SystemDeps): SystemApi {
  return {
    async ping() {},
    df: () => d.diskUsage(),
    async check(opts = {}) {
      const findings: SystemCheckFinding[] = [];
      for (const c of d.checkers ?? []) findings.push(...(await c({ repair: opts.repair === true })));
      return { Findings: findings };
    },
    async events(opts: EventsOptions = {}): Promise<AsyncIterable<EventMessage>> {
      validateEventFilters(opts.filters ?? {});
      if (opts.since !== undefined && opts.until !== undefined && opts.until < opts.since) {
        throw invalidArgument(`since must be before until`);
      }
      return d.events.subscribe(opts);
    },
    async version(): Promise<VersionInfo> {
      return {
        Platform: { Name: 'berth' },
        Components: [
          {
            Name: 'Engine',
            Version: BERTH_VERSION,
            Details: { ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, Os: 'linux', Arch: goArch() },
          },
          { Name: d.runtime.name, Version: '', Details: { path: d.runtime.path } },
        ],
        Version: BERTH_VERSION,
        ApiVersion: API_VERSION,
        MinAPIVersion: MIN_API_VERSION,
        GitCommit: '',
        GoVersion: `node${process.versions.node}`,
        Os: 'linux',
        Arch: goArch(),
        KernelVersion: release(),
        BuildTime: '',
      };
    },
    async info(): Promise<SystemInfo> {
      const all = d.containers.all();
      const running = all.filter((c) => c.state.status === 'running').length;
      const paused = all.filter((c) => c.state.status === 'paused').length;
      return {
        ID: d.id,
        Containers: all.length,
        ContainersRunning: running,
        ContainersPaused: paused,
        ContainersStopped: all.length - running - paused,
        Images: await d.imageCount(),
        Driver: 'overlay2',
        DriverStatus: [['Backing Filesystem', await backingFilesystem(d.dataRoot)]],
        MemoryLimit: true,
        SwapLimit: false,
        CpuCfsPeriod: true,
        CpuCfsQuota: true,
        PidsLimit: true,
        IPv4Forwarding: readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim() === '1',
        Debug: d.debug,
        NFd: 0,
        NGoroutines: 0,
        SystemTime: new Date().toISOString(),
        LoggingDriver: 'json-file',
        CgroupDriver: 'cgroupfs',
        CgroupVersion: d.cgroups.version,
        NEventsListener: d.events.listeners,
        KernelVersion: release(),
        OperatingSystem: osName(),
        OSType: 'linux',
        Architecture: arch() === 'x64' ? 'x86_64' : arch(),
        NCPU: cpus().length,
        MemTotal: totalmem(),
        DockerRootDir: d.dataRoot,
        Name: hostname(),
        Labels: [],
        ServerVersion: BERTH_VERSION,
        DefaultRuntime: d.runtime.name,
        Runtimes: { [d.runtime.name]: { path: d.runtime.path } },
        Warnings: [...d.cgroups.warnings, ...(d.warnings?.() ?? [])],
        SecurityOptions: d.cgroups.version === '2' ? ['name=cgroupns'] : [],
        Plugins: { Volume: [], Network: ['host', 'none'], Log: ['json-file', 'local', 'none'] },
      };
    },
  };
}
