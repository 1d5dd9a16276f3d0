/**
 * ContainerSpec → OCI config.json, as a pure function. Everything the kernel
 * will enforce for a container is decided here, so unit tests can check it
 * without root. Defaults follow Docker's: capability set, masked and
 * read-only paths, a minimal /dev, and private namespaces.
 */
import { invalidArgument } from '../../lib/errors.ts';
import type { OciMount, OciNamespace, OciResources, OciSpec, OciUser } from '../../oci/runtime-spec.ts';
import { type ContainerDevice, type DeviceRule, ociMounts, type SpecMount } from './mounts.ts';
import { type SeccompProfile, seccompFor } from './seccomp.ts';

/** Docker's default capability set. */
export const DEFAULT_CAPS: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

const MASKED_PATHS = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/interrupts',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
  '/sys/devices/virtual/powercap',
];

const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** A namespace of its own, the host's, or another process's (a /proc/<pid>/ns/<type> path). */
export type NamespaceChoice = { mode: 'private' } | { mode: 'host' } | { mode: 'path'; path: string };

/** Everything needed to write one container's config.json. */
export interface ContainerSpec {
  args: string[];
  env: string[];
  cwd: string;
  user: OciUser;
  tty: boolean;
  hostname: string;
  domainname?: string;
  /** Absolute path of the mounted root filesystem. */
  rootfs: string;
  readonlyRootfs?: boolean;
  /** 'none' (private netns with loopback), 'host', or a netns path to join. */
  network: { mode: 'none' } | { mode: 'host' } | { mode: 'path'; path: string };
  /** Files berth writes per container and binds in. */
  etcFiles: { hostname: string; hosts: string; resolvConf: string };
  /** The user's mounts (binds, volumes, tmpfs), volume sources already resolved to host paths. */
  mounts: SpecMount[];
  /** `--device` nodes and `--device-cgroup-rule` rules, beyond the minimal /dev. */
  devices?: ContainerDevice[];
  deviceRules?: DeviceRule[];
  privileged?: boolean;
  /** Capabilities berthd may hand on (its bounding set); default all known. */
  hostCaps?: readonly string[];
  capAdd?: string[];
  capDrop?: string[];
  cgroupsPath: string;
  /** cgroup v2 hosts get a private cgroup namespace, as Docker does. */
  cgroupV2: boolean;
  /** cgroup limits (linux.resources without the device rules, which are decided here). */
  resources?: Omit<OciResources, 'devices'>;
  shmSize?: number;
  /** The pid, ipc and uts namespaces (default private), and the cgroup one (default: private on v2 only). */
  namespaces?: {
    pid?: NamespaceChoice;
    ipc?: NamespaceChoice;
    uts?: 'private' | 'host';
    cgroup?: 'private' | 'host';
  };
  /** /dev/shm: a tmpfs of its own (default), none (`--ipc none`), or another's bound in (`--ipc host|container:`). */
  shm?: { mode: 'tmpfs' } | { mode: 'none' } | { mode: 'bind'; source: string };
  /** Namespaced sysctls, already checked. */
  sysctls?: Record<string, string>;
  oomScoreAdj?: number;
  /** Runs `initPath` as PID 1 in front of args (`--init`). */
  initPath?: string;
  /** The default seccomp profile (Docker's format) and the host facts it needs; none = unconfined. */
  seccomp?: { profile: SeccompProfile; arch: string; kernel: string };
  /** `--security-opt no-new-privileges`. */
  noNewPrivileges?: boolean;
  /** Explicit resource limits; without them the process inherits berthd's own. */
  rlimits?: { type: string; soft: number; hard: number }[];
  annotations?: Record<string, string>;
}

export function normalizeCap(name: string): string {
  const up = name.toUpperCase();
  return up.startsWith('CAP_') ? up : `CAP_${up}`;
}

/** The capability set a container's processes get (its main process and every exec). */
export function capabilities(spec: Pick<ContainerSpec, 'privileged' | 'hostCaps' | 'capAdd' | 'capDrop'>): string[] {
  const available = spec.hostCaps ?? ALL_CAPS;
  if (spec.privileged) return [...available];
  let caps = new Set(DEFAULT_CAPS.filter((c) => available.includes(c)));
  const drop = (spec.capDrop ?? []).map(normalizeCap);
  const add = (spec.capAdd ?? []).map(normalizeCap);
  for (const c of [...drop, ...add]) {
    if (c !== 'CAP_ALL' && !ALL_CAPS.includes(c)) throw invalidArgument(`unknown capability: "${c}"`);
  }
  for (const c of add) {
    if (c !== 'CAP_ALL' && !available.includes(c)) {
      throw invalidArgument(`capability ${c} cannot be granted: berthd itself does not have it`);
    }
  }
  if (drop.includes('CAP_ALL')) caps = new Set();
  for (const c of drop) caps.delete(c);
  if (add.includes('CAP_ALL')) caps = new Set(available);
  for (const c of add) if (c !== 'CAP_ALL') caps.add(c);
  return [...caps];
}

/** Every capability, in kernel bit order (CAP_CHOWN is bit 0). */
export const ALL_CAPS: readonly string[] = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

function baseMounts(spec: ContainerSpec): OciMount[] {
  const shm = spec.shmSize && spec.shmSize > 0 ? spec.shmSize : 64 * 1024 * 1024;
  return [
    { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
    {
      destination: '/dev',
      type: 'tmpfs',
      source: 'tmpfs',
      options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
    },
    {
      destination: '/dev/pts',
      type: 'devpts',
      source: 'devpts',
      options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
    },
    { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    {
      destination: '/sys/fs/cgroup',
      type: 'cgroup',
      source: 'cgroup',
      options: ['ro', 'nosuid', 'noexec', 'nodev', 'relatime'],
    },
    { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
    ...shmMount(spec, shm),
  ];
}

function shmMount(spec: ContainerSpec, size: number): OciMount[] {
  const shm = spec.shm ?? { mode: 'tmpfs' };
  if (shm.mode === 'none') return [];
  if (shm.mode === 'bind') return [bindMount(shm.source, '/dev/shm', false)];
  return [
    {
      destination: '/dev/shm',
      type: 'tmpfs',
      source: 'shm',
      options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${size}`],
    },
  ];
}

function namespace(type: 'pid' | 'ipc', choice: NamespaceChoice | undefined): OciNamespace[] {
  const c = choice ?? { mode: 'private' };
  if (c.mode === 'host') return [];
  return c.mode === 'path' ? [{ type, path: c.path }] : [{ type }];
}

function bindMount(source: string, destination: string, readonly: boolean): OciMount {
  return { destination, type: 'bind', source, options: ['rbind', readonly ? 'ro' : 'rw', 'rprivate'] };
}

export function buildOciSpec(spec: ContainerSpec): OciSpec {
  if (spec.args.length === 0) throw invalidArgument('no command specified');
  const caps = capabilities(spec);
  const ns = spec.namespaces ?? {};
  const utsHost = ns.uts === 'host';
  const namespaces: OciNamespace[] = [
    ...namespace('pid', ns.pid),
    ...namespace('ipc', ns.ipc),
    ...(utsHost ? [] : [{ type: 'uts' as const }]),
    { type: 'mount' },
  ];
  if (spec.network.mode === 'none') namespaces.push({ type: 'network' });
  if (spec.network.mode === 'path') namespaces.push({ type: 'network', path: spec.network.path });
  if (ns.cgroup === 'private' || (ns.cgroup === undefined && spec.cgroupV2)) namespaces.push({ type: 'cgroup' });

  const mounts = baseMounts(spec);
  mounts.push(bindMount(spec.etcFiles.hostname, '/etc/hostname', false));
  mounts.push(bindMount(spec.etcFiles.hosts, '/etc/hosts', false));
  mounts.push(bindMount(spec.etcFiles.resolvConf, '/etc/resolv.conf', false));
  if (spec.initPath) mounts.push(bindMount(spec.initPath, '/sbin/docker-init', true));
  mounts.push(...ociMounts(spec.mounts));

  const resources: OciResources = {
    ...spec.resources,
    devices: spec.privileged
      ? [{ allow: true, access: 'rwm' }]
      : [
          { allow: false, access: 'rwm' },
          ...[
            [1, 3],
            [1, 5],
            [1, 7],
            [1, 8],
            [1, 9],
            [5, 0],
            [5, 1],
            [5, 2],
          ].map(([major, minor]) => ({ allow: true, type: 'c', major, minor, access: 'rwm' })),
          { allow: true, type: 'c', major: 136, access: 'rwm' },
          ...(spec.devices ?? []).map((d) => ({
            allow: true,
            type: d.type,
            major: d.major,
            minor: d.minor,
            access: d.access,
          })),
          ...(spec.deviceRules ?? []),
        ],
  };

  const env = [...spec.env];
  if (spec.tty && !env.some((e) => e.startsWith('TERM='))) env.push('TERM=xterm');

  return {
    ociVersion: '1.0.2',
    process: {
      terminal: spec.tty,
      user: spec.user,
      args: spec.initPath ? ['/sbin/docker-init', '--', ...spec.args] : spec.args,
      env,
      cwd: spec.cwd || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      noNewPrivileges: spec.noNewPrivileges === true,
      ...(spec.rlimits && spec.rlimits.length > 0 ? { rlimits: spec.rlimits } : {}),
      ...(spec.oomScoreAdj !== undefined && spec.oomScoreAdj !== 0 ? { oomScoreAdj: spec.oomScoreAdj } : {}),
    },
    root: { path: spec.rootfs, readonly: spec.readonlyRootfs === true },
    hostname: utsHost || spec.network.mode === 'host' ? undefined : spec.hostname,
    domainname: utsHost ? undefined : spec.domainname || undefined,
    mounts,
    linux: {
      namespaces,
      ...(spec.devices && spec.devices.length > 0
        ? {
            devices: spec.devices.map((d) => ({
              path: d.path,
              type: d.type,
              major: d.major,
              minor: d.minor,
              fileMode: d.fileMode,
              uid: d.uid,
              gid: d.gid,
            })),
          }
        : {}),
      cgroupsPath: spec.cgroupsPath,
      resources,
      ...(spec.seccomp && !spec.privileged
        ? { seccomp: seccompFor(spec.seccomp.profile, { caps, arch: spec.seccomp.arch, kernel: spec.seccomp.kernel }) }
        : {}),
      ...(spec.sysctls && Object.keys(spec.sysctls).length > 0 ? { sysctl: spec.sysctls } : {}),
      maskedPaths: spec.privileged ? [] : MASKED_PATHS,
      readonlyPaths: spec.privileged ? [] : READONLY_PATHS,
    },
    annotations: spec.annotations,
  };
}
