/**
 * ContainersApi and ExecApi with behaviour: Docker API terms in, core calls
 * out. Policy lives here and in core (defaults, validation, transitions,
 * cleanup); the HTTP layer only decodes and encodes.
 *
 * Every side effect of create is registered with an undo, so a failure part
 * way leaves no record, directory or snapshot behind. Tasks run under conmon
 * and outlive berthd; `recover()` reconciles records with them at start-up.
 */
import { createHash } from 'node:crypto';
import { existsSync, type FSWatcher, watch } from 'node:fs';
import { mkdir, readdir, rm, rmdir, stat, writeFile } from 'node:fs/promises';
import { cpus, hostname as hostHostname, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { ContainersApi, ExecApi } from '../engine.ts';
import type {
  ArchiveStream,
  AttachOptions,
  CommitOptions,
  ContainerChange,
  ContainerConfig,
  ContainerCreateRequest,
  ContainerCreateResponse,
  ContainerInspect,
  ContainerListOptions,
  ContainerPortsRequest,
  ContainerStats,
  ContainerSummary,
  ContainerTop,
  ContainerUpdateRequest,
  ContainerUpdateResponse,
  ExecCreateRequest,
  ExecInspect,
  ExecStartRequest,
  Filters,
  HostConfig,
  IoSession,
  LogsOptions,
  NetworkConnectRequest,
  NetworkSettings,
  OutputChunk,
  OutputStream,
  PathStat,
  PruneReport,
  PutArchiveOptions,
  RemoveOptions,
  ResizeOptions,
  StatsOptions,
  StopOptions,
  WaitCondition,
  WaitHandle,
  WaitResponse,
} from '../types.ts';
import { BerthError, conflict, invalidArgument, notFound } from '../../lib/errors.ts';
import { KeyedMutex } from '../../lib/mutex.ts';
import { parseSignal } from '../../lib/signals.ts';
import { isMounted, type MountSpec, mount, unmount } from '../../host/mount.ts';
import {
  type CgroupLayout,
  cgroupPids,
  oomKills,
  removeCgroup,
  sampleCgroup,
  systemCpuUsage,
} from '../../host/cgroups.ts';
import { buildOciSpec, type ContainerSpec, capabilities } from '../../core/containers/spec.ts';
import { canRemove, canStart, isRunning } from '../../core/containers/state.ts';
import {
  type ContainerRecord,
  type ContainerStore,
  newContainerId,
  newTaskState,
  validateName,
  ZERO_TIME,
} from '../../core/containers/store.ts';
import type { CommitImageOptions } from '../../core/images/types.ts';
import type { AttachConnection } from '../../core/runtime/attach.ts';
import type { Change } from '../../core/snapshots/types.ts';
import type { EventSink } from '../../core/events/bus.ts';
import { commitContainer } from './container-commit.ts';
import { archiveOf, exportRootfs, extractInto, locate } from './container-fs.ts';
import { type RotateOptions, readLogs, rotateLog, rotationsIdle, toRfc3339Nano } from '../../core/runtime/logs.ts';
import type { TaskRuntime } from '../../core/runtime/runtime.ts';
import {
  DEFAULT_LOG_CAP,
  exitCodeForStartError,
  type LogSettings,
  logSettings,
  mergeConfig,
  mergeEnv,
  normalizeNetworkMode,
  parseNamespaceMode,
  parseSecurityOpts,
  type SecurityOpts,
  validateSysctls,
  validateUlimits,
} from './container-config.ts';
import { checkBindTargets, planMounts } from './container-mounts.ts';
import { checkResources, ociResources, RESOURCE_KEYS } from './container-resources.ts';
import { networkStats, type PreviousSample, stoppedStats, toDockerStats } from './container-stats.ts';
import { top as psTop } from './container-top.ts';
import { blockDevice, namespacePlan, resourceHost } from './container-process.ts';
import {
  createdWindow,
  matchesFilters,
  mountPoints,
  pruneFilter,
  summarize,
  validateFilters,
} from './container-view.ts';
import { mkdirInRoot, pathInRoot, resolveUser, writeEtcFiles } from './rootfs-files.ts';
import type { SpecMount } from '../../core/containers/mounts.ts';
import { ANONYMOUS_LABEL, type VolumeService } from '../../core/volumes/service.ts';
import { clearQuota, setDirQuota } from '../../host/quota.ts';
import { parseBytes } from '../../lib/size.ts';
import type { ContainerNetworking, NetworkService } from '../../core/network/service.ts';
import {
  bandwidthLabels,
  containerModeTarget,
  endpointSettings,
  ownHostsLines,
  parsePublishSpec,
  parseUnpublishSpec,
  portMap,
  portRequests,
  requestedEndpoints,
  resolvBase,
  summaryPorts,
  usesBridges,
  validatePorts,
} from './container-network.ts';
import { readFile } from 'node:fs/promises';
import { closedConnection, deferredConnection, sessionFrom } from './stdio-sessions.ts';
import {
  effectiveHealthcheck,
  goDuration,
  HealthMonitor,
  healthcheckProblem,
  newHealth,
  type ProbeResult,
} from './health.ts';
import type { OciProcess } from '../../oci/runtime-spec.ts';

/** What a container needs of its image. */
export interface ContainerImage {
  /** `sha256:<hex>` */
  id: string;
  config: ContainerConfig;
  /** ChainID of the top layer, the parent of the container's snapshot. */
  chainId: string;
}

/** The image side, as the container service sees it (implemented over core/images). */
export interface ImagePort {
  /** 'not-found' with `No such image: <ref>` when missing. */
  resolve(ref: string): Promise<ContainerImage>;
  /** Makes an image of a parent, a layer and a config (core ImageService.commit). */
  commit(opts: CommitImageOptions): Promise<{ id: string }>;
}

/** The container's writable layer (implemented over core/snapshots). */
export interface RootfsPort {
  /** Creates the writable snapshot `key` on top of the layer `parentChainId` ('' for none). */
  prepare(key: string, parentChainId: string): Promise<MountSpec>;
  /** The mount of an existing snapshot. */
  mounts(key: string): Promise<MountSpec>;
  /** Removes the snapshot; it must be unmounted. */
  remove(key: string): Promise<void>;
  /** The snapshot's changes as an uncompressed layer tar (Snapshotter.diff). */
  diff(key: string): AsyncIterable<Uint8Array>;
  /** The snapshot's changes over its image (Snapshotter.changes). */
  changes(key: string): Promise<Change[]>;
  /** Disk use of the snapshot's own layer (Snapshotter.usage). */
  usage(key: string): Promise<{ size: number }>;
}

export interface ContainerServiceOptions {
  dataRoot: string;
  store: ContainerStore;
  runtime: TaskRuntime;
  images: ImagePort;
  rootfs: RootfsPort;
  /** Named and anonymous volumes (the local driver). */
  volumes: VolumeService;
  /** The host's cgroup layout and what it can limit. */
  cgroups: CgroupLayout;
  /** daemon.json `default-ulimits`: applied where a container sets no limit of that name. */
  defaultUlimits?: { Name: string; Soft: number; Hard: number }[];
  /** The default seccomp profile with the host facts it needs; absent = containers run unconfined. */
  seccomp?: ContainerSpec['seccomp'];
  /** Capabilities berthd may hand on (its bounding set). */
  hostCaps?: readonly string[];
  /** berthd's own hard rlimits by Docker name, read once at start (they cannot grow). */
  hostLimits?: Record<string, number>;
  /** Where lifecycle events go (GET /events); none: not published. */
  events?: EventSink;
  /** Path of an init binary for `--init` (catatonit or tini). */
  initPath?: string;
  /** Networks, endpoints and published ports. */
  network: NetworkService;
  log?: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
}

interface Waiter {
  condition: WaitCondition;
  resolve: (r: WaitResponse) => void;
}

interface ExecSession {
  id: string;
  containerId: string;
  config: ExecCreateRequest;
  running: boolean;
  exitCode: number | null;
  pid: number;
  dir?: string;
}

/** A session waiting for its container to start; connected between create and start of the task. */
interface PendingAttach {
  opts: AttachOptions;
  connect(conn: AttachConnection): void;
}

/** The seccomp input for a container: the daemon's default, none, or the request's own profile. */
function seccompOf(choice: SecurityOpts['seccomp'], daemonDefault: ContainerSpec['seccomp']): ContainerSpec['seccomp'] {
  if (choice === 'default') return daemonDefault;
  if (choice === 'unconfined') return undefined;
  return {
    profile: choice,
    arch: daemonDefault?.arch ?? (process.arch === 'x64' ? 'amd64' : process.arch),
    kernel: daemonDefault?.kernel ?? release(),
  };
}

function seccompKey(seccomp: unknown): string {
  return createHash('sha256').update(JSON.stringify(seccomp)).digest('hex');
}

/** Whether a container that just exited is to be restarted by its restart policy. */
/** The container's cgroup, relative to each hierarchy's root. */
export function cgroupPathOf(id: string): string {
  return `/berth/${id}`;
}

export function shouldRestart(rec: ContainerRecord): boolean {
  const policy = rec.hostConfig.RestartPolicy;
  if (rec.manuallyStopped || !policy?.Name) return false;
  switch (policy.Name) {
    case 'always':
    case 'unless-stopped':
      return true;
    case 'on-failure': {
      const max = policy.MaximumRetryCount ?? 0;
      return rec.state.exitCode !== 0 && (max <= 0 || rec.restartCount < max);
    }
    default:
      return false;
  }
}

/** How often running containers are checked for an exit the directory watch missed. */
const EXIT_SWEEP_MS = 5_000;

/** How long a finished exec session stays inspectable. */
const EXEC_KEEP_MS = 5 * 60_000;

export class ContainerService implements ContainersApi {
  readonly #o: ContainerServiceOptions;
  readonly #lock = new KeyedMutex();
  readonly #waiters = new Map<string, Waiter[]>();
  readonly #pending = new Map<string, PendingAttach[]>();
  /** Per running container: settles when its current task exits. */
  readonly #exited = new Map<string, { promise: Promise<void>; resolve: () => void }>();
  readonly #execs = new Map<string, ExecSession>();
  #sweep: NodeJS.Timeout | undefined;
  /** Seccomp filters the runtime compiled, base64, by a hash of the OCI seccomp section. */
  readonly #compiledFilters = new Map<string, string>();
  /** Current restart back-off per container, in ms. */
  readonly #backoff = new Map<string, number>();
  /** The last stats sample per running container: the "before" of the next CPU %. */
  readonly #lastStats = new Map<string, PreviousSample>();

  readonly #health: HealthMonitor;
  /** Per running container with a capped log: the watch that notices conmon replacing the file. */
  readonly #logWatchers = new Map<string, FSWatcher>();

  /** Keeps a running container's rotated log files (see core/runtime/logs.ts rotateLog). */
  #watchLog(id: string, logs: LogSettings): void {
    this.#unwatchLog(id);
    if (logs.driver === 'none' || logs.maxSize <= 0) return;
    const dir = this.#dir(id);
    const path = join(dir, 'container.log');
    const rotate = () =>
      void rotateLog(path, this.#rotation(id, logs)).catch((err) =>
        this.#log('warn', 'log rotation failed', { id, err: String(err) }),
      );
    try {
      const w = watch(dir, (_event, name) => {
        if (name === 'container.log') rotate();
      });
      w.on('error', () => this.#unwatchLog(id));
      this.#logWatchers.set(id, w);
    } catch (err) {
      this.#log('warn', 'cannot watch the log directory', { id, err: String(err) });
    }
    rotate();
  }

  #rotation(id: string, logs: LogSettings): RotateOptions {
    return { maxFiles: logs.maxFiles, maxSize: logs.maxSize, reopen: () => this.#o.runtime.reopenLog(this.#dir(id)) };
  }

  #unwatchLog(id: string): void {
    this.#logWatchers.get(id)?.close();
    this.#logWatchers.delete(id);
  }

  constructor(opts: ContainerServiceOptions) {
    this.#o = opts;
    this.#health = new HealthMonitor({
      probe: (id, args, timeoutMs) => this.#probe(id, args, timeoutMs),
      record: (id, next) => {
        const rec = this.#o.store.find(id);
        if (!rec || !isRunning(rec.state.status) || !rec.state.health) return undefined;
        const before = rec.state.health;
        // A frozen container answers no probe: its result is not counted.
        if (rec.state.status === 'paused') return { before, after: before };
        const after = next(before);
        rec.state = { ...rec.state, health: after };
        this.#o.store.update(rec);
        return { before, after };
      },
      onChange: (id, status) => {
        const rec = this.#o.store.find(id);
        if (rec) this.#event(`health_status: ${status}`, rec);
      },
    });
  }

  #dir(id: string): string {
    return join(this.#o.dataRoot, 'containers', id);
  }

  #log(level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void {
    this.#o.log?.(level, msg, fields);
  }

  #volumesRoot(): string {
    return join(this.#o.dataRoot, 'volumes');
  }

  /** Publishes a container event with Docker's attributes: labels, image, name, then `extra`. */
  #event(action: string, rec: ContainerRecord, extra: Record<string, string> = {}): void {
    this.#o.events?.publish({
      type: 'container',
      action,
      id: rec.id,
      attributes: containerEventAttributes(rec, extra),
    });
  }

  // ---- lifecycle of the service -------------------------------------------------

  /** Reconciles records with the tasks that exist, then watches for exits. */
  async recover(): Promise<void> {
    this.#o.runtime.watchExits((id) => {
      void this.#handleExit(id);
    });
    // inotify can drop events (queue overflow); a slow sweep catches any exit it missed.
    this.#sweep = setInterval(() => void this.#sweepExits(), EXIT_SWEEP_MS);
    this.#sweep.unref();
    await this.#o.runtime.clearExecSessions();
    const known = new Set(this.#o.store.all().map((r) => r.id));
    // Volumes in use by the containers that kept running while berthd was away stay mounted.
    for (const rec of this.#o.store.all()) {
      if (!isRunning(rec.state.status)) continue;
      for (const m of rec.mounts ?? []) if (m.type === 'volume') this.#o.volumes.markInUse(m.source, rec.id);
    }
    // A create records its container last, once everything else exists: a directory (and a writable
    // layer) without a record is a create that died part way. Nobody got its ID; undo it.
    for (const id of await readdir(join(this.#o.dataRoot, 'containers')).catch(() => [] as string[])) {
      if (known.has(id) || !/^[0-9a-f]{64}$/.test(id)) continue;
      this.#log('warn', 'removing what a create that did not finish left', { id });
      await this.#releaseTaskMounts(id);
      await this.#o.rootfs.remove(id).catch(() => {});
      await rm(this.#dir(id), { recursive: true, force: true });
    }
    // Tasks whose record is gone (a crash during rm) are debris: kill and delete them.
    for (const id of await this.#o.runtime.listStates()) {
      if (known.has(id)) continue;
      this.#log('warn', 'removing a task without a container record', { id });
      await this.#o.runtime.kill(id, 'KILL', true).catch(() => {});
      await this.#o.runtime.delete(id).catch(() => {});
    }
    await this.#removeOrphanDirs(known);
    for (const rec of this.#o.store.all()) {
      if (!(await this.#hasRootfs(rec.id))) {
        await this.#repairMissingRootfs(rec);
        continue;
      }
      if (!isRunning(rec.state.status)) {
        // A crash between creating a task and recording it leaves a task or a
        // mount behind a record that says it is not running: undo them.
        if (this.#o.runtime.hasState(rec.id)) {
          this.#log('warn', 'removing a task the record does not know', { id: rec.id });
          await this.#o.runtime.kill(rec.id, 'KILL', true).catch(() => {});
        }
        await this.#releaseTask(rec.id);
        continue;
      }
      this.#trackRun(rec.id);
      await this.#checkExit(rec);
      const still = this.#o.store.find(rec.id);
      if (still && isRunning(still.state.status)) {
        this.#startHealth(still, false);
        this.#watchLog(still.id, logSettings(still.hostConfig.LogConfig));
      }
    }
  }

  /**
   * A create records the container last, so a crash during one leaves a
   * directory and a writable layer that no record knows: both are removed.
   */
  async #removeOrphanDirs(known: Set<string>): Promise<void> {
    const root = join(this.#o.dataRoot, 'containers');
    const entries = await readdir(root).catch(() => [] as string[]);
    for (const id of entries) {
      if (known.has(id) || !/^[0-9a-f]{64}$/.test(id)) continue;
      this.#log('warn', 'removing the files of a container that has no record (an interrupted create)', { id });
      await this.#releaseTask(id);
      await this.#o.rootfs.remove(id).catch((err) => {
        if (!(err instanceof BerthError && err.code === 'not-found')) throw err;
      });
      await rm(join(root, id), { recursive: true, force: true });
    }
  }

  async #hasRootfs(id: string): Promise<boolean> {
    try {
      await this.#o.rootfs.mounts(id);
      return true;
    } catch (err) {
      if (err instanceof BerthError && err.code === 'not-found') return false;
      throw err;
    }
  }

  /**
   * A record without its writable layer. Never started: a create that died
   * before answering (the client never got an ID), so it is undone whole.
   * Started before: its files are lost; it is kept as `dead` so that the
   * user sees what happened and can remove it.
   */
  async #repairMissingRootfs(rec: ContainerRecord): Promise<void> {
    if (rec.state.startedAt === ZERO_TIME && rec.state.status === 'created') {
      this.#log('warn', 'removing a container whose create did not finish', { id: rec.id });
      await this.#releaseTask(rec.id);
      await rm(this.#dir(rec.id), { recursive: true, force: true });
      this.#o.store.delete(rec.id);
      return;
    }
    this.#log('error', 'container rootfs is missing; marking it dead', { id: rec.id });
    await this.#releaseTask(rec.id);
    rec.state = { ...rec.state, status: 'dead', pid: 0, conmonPid: 0, error: 'container rootfs is missing' };
    this.#o.store.update(rec);
  }

  /**
   * At daemon start, as Docker: `always` containers that are not running are
   * started even when they were stopped by hand (Docker's documented
   * behaviour: a manual stop holds only until the daemon restarts);
   * `unless-stopped` ones unless they were stopped by hand.
   */
  async startByPolicy(): Promise<void> {
    for (const rec of this.#o.store.all()) {
      const name = rec.hostConfig.RestartPolicy?.Name;
      if (isRunning(rec.state.status)) continue;
      if (name !== 'always' && (name !== 'unless-stopped' || rec.manuallyStopped)) continue;
      await this.start(rec.id).catch((err) =>
        this.#log('warn', 'restart at start-up failed', { id: rec.id, err: String(err) }),
      );
    }
  }

  close(): void {
    if (this.#sweep) clearInterval(this.#sweep);
    this.#health.stopAll();
    for (const id of [...this.#logWatchers.keys()]) this.#unwatchLog(id);
    this.#o.runtime.close();
  }

  async #sweepExits(): Promise<void> {
    for (const rec of this.#o.store.all()) {
      if (isRunning(rec.state.status)) await this.#checkExit(rec);
    }
  }

  // ---- create -------------------------------------------------------------------

  async create(body: ContainerCreateRequest, opts: { name?: string } = {}): Promise<ContainerCreateResponse> {
    const store = this.#o.store;
    const name = opts.name ? validateName(opts.name) : store.generateName();
    if (!body.Image) throw invalidArgument('No image specified (Config.Image is empty)');
    const hostConfig = { ...(body.HostConfig ?? {}) };
    let networkMode = normalizeNetworkMode(hostConfig.NetworkMode);
    const target = containerModeTarget(networkMode);
    if (target !== undefined) networkMode = `container:${store.get(target).id}`;
    hostConfig.NetworkMode = networkMode;
    const endpoints = requestedEndpoints(networkMode, body);
    const links = (hostConfig.Links ?? []).map((l) => {
      const [ref = '', alias] = l.split(':');
      const t = store.get(ref);
      return `/${t.name}:/${name}/${alias || t.name}`;
    });
    if (links.length > 0) hostConfig.Links = links;
    validateUlimits(hostConfig.Ulimits ?? [], this.#o.hostLimits ?? {});
    parseSecurityOpts(hostConfig.SecurityOpt ?? []);
    if (
      hostConfig.RestartPolicy?.Name &&
      !['', 'no'].includes(hostConfig.RestartPolicy.Name) &&
      hostConfig.AutoRemove
    ) {
      throw invalidArgument("can't create 'autoremove' containers with restart policy");
    }
    const warnings = this.#checkProcessOptions(hostConfig, body);
    const image = await this.#o.images.resolve(body.Image);
    const config = mergeConfig(image.config, body);
    const portWarnings = validatePorts(config, hostConfig, networkMode);
    bandwidthLabels(config.Labels ?? {});
    const plan = planMounts(hostConfig, config, {
      mountsOf: (ref) => {
        const other = store.find(ref);
        // 400, not 404: a 404 on create makes the docker CLI go and pull the image.
        if (!other) throw invalidArgument(`No such container: ${ref}`);
        return other.mounts ?? [];
      },
    });
    const storageSize = storageQuota(hostConfig.StorageOpt ?? {});
    const id = newContainerId();
    config.Hostname = body.Hostname || (networkMode === 'host' ? hostHostname() : id.slice(0, 12));
    const command = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
    if (command.length === 0) throw invalidArgument('no command specified');

    const rec: ContainerRecord = {
      id,
      name,
      created: new Date().toISOString(),
      image: body.Image,
      imageId: image.id,
      path: command[0] ?? '',
      args: command.slice(1),
      config,
      hostConfig,
      state: newTaskState(),
      restartCount: 0,
      execIds: [],
      mounts: plan.mounts,
      devices: plan.devices,
      deviceRules: plan.deviceRules,
    };
    const volumes = this.#o.volumes;
    const undo: (() => Promise<void>)[] = [];
    // The named volumes are held from removal until the record references them.
    const unpin = volumes.pin(plan.volumes.flatMap((v) => (v.name ? [v.name] : [])));
    try {
      store.checkNameFree(name);
      const dir = this.#dir(id);
      await mkdir(join(dir, 'rootfs'), { recursive: true });
      undo.push(() => rm(dir, { recursive: true, force: true }));
      const rootfsMount = await this.#o.rootfs.prepare(id, image.chainId);
      undo.push(() => this.#o.rootfs.remove(id));
      await checkBindTargets(plan.mounts, rootfsMount);
      if (storageSize !== undefined) await setDirQuota(upperDir(rootfsMount), quotaProjectOf(id), storageSize);
      for (const need of plan.volumes) {
        const m = plan.mounts[need.mountIndex];
        if (!m) continue;
        const anonymous = need.name === undefined;
        const labels = anonymous ? { ...need.labels, [ANONYMOUS_LABEL]: '' } : need.labels;
        const { volume, created } = await volumes.create({
          ...(need.name ? { name: need.name } : {}),
          ...(labels ? { labels } : {}),
          ...(need.options ? { options: need.options } : {}),
        });
        if (anonymous) undo.push(() => volumes.remove(volume.name, { force: true }));
        if (created && !anonymous) undo.push(() => volumes.remove(volume.name, { force: true }).catch(() => {}));
        m.source = volume.name;
      }
      for (const d of plan.makeDirs) {
        await mkdir(d, { recursive: true });
        undo.push(() => rmdir(d).catch(() => {}));
      }
      store.insert(rec);
      undo.push(async () => store.delete(id));
      await this.#o.network.attach({ id, name }, endpoints);
      undo.push(() => this.#o.network.detach(id));
    } catch (err) {
      unpin();
      for (const u of undo.reverse()) await u().catch(() => {});
      throw err;
    }
    unpin();
    this.#event('create', rec);
    this.#log('info', 'container created', { id, name });
    return { Id: id, Warnings: [...warnings, ...portWarnings, ...plan.warnings] };
  }

  /**
   * Docker's create-time checks of the process, namespace and resource
   * options; normalizes `hostConfig` in place and returns the warnings.
   */
  #checkProcessOptions(hostConfig: HostConfig, body: ContainerCreateRequest): string[] {
    const warnings = checkResources(hostConfig, resourceHost(this.#o.cgroups));
    if ((hostConfig.Memory ?? 0) > 0 && (hostConfig.MemorySwap ?? 0) === 0 && this.#o.cgroups.features.swapLimit) {
      // As Docker: a memory limit without a swap limit allows as much swap again.
      hostConfig.MemorySwap = (hostConfig.Memory ?? 0) * 2;
    }
    for (const key of [
      'BlkioWeightDevice',
      'BlkioDeviceReadBps',
      'BlkioDeviceWriteBps',
      'BlkioDeviceReadIOps',
      'BlkioDeviceWriteIOps',
    ] as const) {
      for (const d of hostConfig[key] ?? []) blockDevice(d.Path);
    }
    const pid = parseNamespaceMode('pid', hostConfig.PidMode);
    const ipc = parseNamespaceMode('ipc', hostConfig.IpcMode);
    const uts = parseNamespaceMode('uts', hostConfig.UTSMode);
    parseNamespaceMode('cgroupns', hostConfig.CgroupnsMode);
    parseNamespaceMode('userns', hostConfig.UsernsMode);
    for (const m of [pid, ipc]) if (m.kind === 'container') this.#o.store.get(m.ref);
    if (uts.kind === 'host' && body.Hostname) throw invalidArgument('Conflicting options: hostname and the UTS mode');
    validateSysctls(hostConfig.Sysctls ?? {}, {
      ipcHost: ipc.kind === 'host',
      netHost: hostConfig.NetworkMode === 'host',
    });
    const adj = hostConfig.OomScoreAdj ?? 0;
    if (adj < -1000 || adj > 1000)
      throw invalidArgument(`Invalid value ${adj}, range for oom score adj is [-1000, 1000]`);
    if ((hostConfig.ShmSize ?? 0) < 0) throw invalidArgument('SHM size can not be less than 0');
    if (body.StopSignal) parseSignal(body.StopSignal);
    const health = healthcheckProblem(body.Healthcheck);
    if (health) throw invalidArgument(health);
    const logs = logSettings(hostConfig.LogConfig);
    hostConfig.LogConfig = { Type: logs.driver, Config: hostConfig.LogConfig?.Config ?? {} };
    if (body.StopTimeout !== undefined && body.StopTimeout < -1) {
      throw invalidArgument(`invalid stop timeout ${body.StopTimeout}: it must be -1 (wait forever) or more`);
    }
    return warnings;
  }

  // ---- queries ------------------------------------------------------------------

  async list(opts: ContainerListOptions = {}): Promise<ContainerSummary[]> {
    const filters = opts.filters ?? {};
    validateFilters(filters);
    let recs = this.#o.store.all().sort((a, b) => (a.created < b.created ? 1 : a.created > b.created ? -1 : 0));
    const all = opts.all || (opts.limit !== undefined && opts.limit > 0) || filters.status !== undefined;
    if (!all) recs = recs.filter((r) => isRunning(r.state.status));
    const window = createdWindow(filters, (ref) => this.#o.store.get(ref));
    recs = recs.filter((r) => matchesFilters(r, filters) && window(r));
    if (opts.limit !== undefined && opts.limit > 0) recs = recs.slice(0, opts.limit);
    const rows = recs.map((r): ContainerSummary => {
      const running = isRunning(r.state.status);
      return {
        ...summarize(r, this.#volumesRoot()),
        Ports: summaryPorts(r.config, this.#o.network.portsOf(r.id), running),
        NetworkSettings: { Networks: this.#networkSettings(r).Networks },
      };
    });
    if (opts.size) {
      for (const row of rows) row.SizeRw = (await this.#o.rootfs.usage(row.Id).catch(() => ({ size: 0 }))).size;
    }
    return rows;
  }

  async inspect(ref: string): Promise<ContainerInspect> {
    const rec = this.#o.store.get(ref);
    const dir = this.#dir(rec.id);
    return {
      Id: rec.id,
      Created: rec.created,
      Path: rec.path,
      Args: rec.args,
      State: {
        Status: rec.state.status,
        Running: isRunning(rec.state.status),
        Paused: rec.state.status === 'paused',
        Restarting: rec.state.status === 'restarting',
        OOMKilled: rec.state.oomKilled,
        Dead: rec.state.status === 'dead',
        Pid: rec.state.pid,
        ExitCode: rec.state.exitCode,
        Error: rec.state.error,
        StartedAt: rec.state.startedAt,
        FinishedAt: rec.state.finishedAt,
        ...(rec.state.health && effectiveHealthcheck(rec.config.Healthcheck) ? { Health: rec.state.health } : {}),
      },
      Image: rec.imageId,
      ResolvConfPath: join(dir, 'resolv.conf'),
      HostnamePath: join(dir, 'hostname'),
      HostsPath: join(dir, 'hosts'),
      LogPath: join(dir, 'container.log'),
      Name: `/${rec.name}`,
      RestartCount: rec.restartCount,
      Driver: 'overlay2',
      Platform: 'linux',
      MountLabel: '',
      ProcessLabel: '',
      AppArmorProfile: '',
      ExecIDs: rec.execIds.length ? rec.execIds : null,
      HostConfig: rec.hostConfig,
      GraphDriver: { Name: 'overlay2', Data: { MergedDir: join(dir, 'rootfs') } },
      Mounts: mountPoints(rec, this.#volumesRoot()),
      Config: rec.config,
      NetworkSettings: this.#networkSettings(rec),
    };
  }

  #networkSettings(rec: ContainerRecord): NetworkSettings {
    const net = this.#o.network;
    const running = isRunning(rec.state.status);
    const networks: NetworkSettings['Networks'] = {};
    const mode = rec.hostConfig.NetworkMode ?? 'bridge';
    if (mode === 'host' || mode === 'none') {
      const n = net.list().find((x) => x.name === mode);
      if (n) networks[mode] = endpointSettings(n, undefined, rec.id);
    }
    for (const e of net.endpointsOf(rec.id)) {
      const n = net.list().find((x) => x.id === e.networkId);
      if (n) networks[n.name] = endpointSettings(n, e, rec.id);
    }
    const first = Object.values(networks)[0];
    const primary = networks.bridge;
    return {
      Bridge: '',
      SandboxID: running && usesBridges(mode) ? rec.id : '',
      SandboxKey: running && rec.state.pid ? `/proc/${rec.state.pid}/ns/net` : '',
      Ports: portMap(rec.config, net.portsOf(rec.id), running),
      IPAddress: primary?.IPAddress ?? '',
      IPPrefixLen: primary?.IPPrefixLen ?? 0,
      Gateway: primary?.Gateway ?? '',
      MacAddress: primary?.MacAddress ?? first?.MacAddress ?? '',
      Networks: networks,
    };
  }

  // ---- networking -------------------------------------------------------------

  /** berth extension: publishes or unpublishes ports of a running container. */
  async ports(ref: string, body: ContainerPortsRequest): Promise<NetworkSettings['Ports']> {
    const rec = this.#o.store.get(ref);
    const add = (body.Add ?? []).flatMap(parsePublishSpec);
    const remove = (body.Remove ?? []).map(parseUnpublishSpec);
    await this.#lock.run(rec.id, async () => {
      if (!isRunning(rec.state.status)) throw conflict(`Container ${rec.id} is not running`);
      if (remove.length > 0) await this.#o.network.unpublish(rec.id, remove);
      if (add.length > 0) await this.#o.network.publish(rec.id, add);
    });
    return portMap(rec.config, this.#o.network.portsOf(rec.id), true);
  }

  /** Connects a container to a network; a running one gets its interface at once. */
  async connectNetwork(networkRef: string, body: NetworkConnectRequest): Promise<void> {
    const rec = this.#o.store.get(body.Container);
    const mode = rec.hostConfig.NetworkMode ?? 'bridge';
    if (!usesBridges(mode)) {
      throw invalidArgument(
        `container sharing network namespace with another container or host cannot be connected to any other network`,
      );
    }
    const s = body.EndpointConfig ?? {};
    await this.#lock.run(rec.id, async () => {
      const running = isRunning(rec.state.status) && rec.state.pid > 0;
      await this.#o.network.connect(
        { id: rec.id, name: rec.name },
        networkRef,
        {
          ...(s.IPAMConfig?.IPv4Address ? { ip: s.IPAMConfig.IPv4Address } : {}),
          aliases: s.Aliases ?? [],
          ...(s.MacAddress ? { mac: s.MacAddress } : {}),
          links: s.Links ?? [],
        },
        running
          ? { netns: `/proc/${rec.state.pid}/ns/net`, bandwidth: bandwidthLabels(rec.config.Labels ?? {}) }
          : undefined,
      );
    });
  }

  async disconnectNetwork(networkRef: string, containerRef: string): Promise<void> {
    const rec = this.#o.store.get(containerRef);
    await this.#lock.run(rec.id, () => this.#o.network.disconnect(rec.id, networkRef));
  }

  /** /etc/hosts lines for `--link`s: the linked container's address on a network both are on. */
  #linkLines(rec: ContainerRecord, net: ContainerNetworking): string[] {
    const lines: string[] = [];
    const mine = new Set(net.endpoints.map((e) => e.network.id));
    for (const link of rec.hostConfig.Links ?? []) {
      const [target = '', local = ''] = link.split(':');
      const t = this.#o.store.find(target.replace(/^\//, ''));
      if (!t) continue;
      const shared = this.#o.network.endpointsOf(t.id).find((e) => e.lease && mine.has(e.networkId));
      if (!shared?.lease) continue;
      const alias = local.split('/').pop() ?? '';
      lines.push(
        `${shared.lease.ip}\t${[...new Set([alias, t.config.Hostname ?? '', t.name])].filter(Boolean).join(' ')}`,
      );
    }
    return lines;
  }

  // ---- start --------------------------------------------------------------------

  start(ref: string): Promise<void> {
    const rec = this.#o.store.get(ref);
    return this.#lock.run(rec.id, async () => {
      if (rec.manuallyStopped) {
        rec.manuallyStopped = false;
        this.#o.store.update(rec);
      }
      await this.#startLocked(rec.id);
    });
  }

  /**
   * Restarts an exited container after Docker's back-off: 100 ms, doubling
   * on each quick exit up to a minute, back to 100 ms after a run of 10 s.
   */
  #scheduleRestart(rec: ContainerRecord): void {
    const ranMs = Date.parse(rec.state.finishedAt) - Date.parse(rec.state.startedAt);
    const prev = this.#backoff.get(rec.id) ?? 0;
    const delay = ranMs >= 10_000 || prev === 0 ? 100 : Math.min(prev * 2, 60_000);
    this.#backoff.set(rec.id, delay);
    const timer = setTimeout(() => {
      void this.#lock.run(rec.id, async () => {
        const cur = this.#o.store.find(rec.id);
        if (!cur || isRunning(cur.state.status) || !shouldRestart(cur)) return;
        cur.restartCount += 1;
        this.#o.store.update(cur);
        try {
          await this.#startLocked(cur.id);
        } catch (err) {
          this.#log('warn', 'restart failed', { id: cur.id, err: String(err) });
          const again = this.#o.store.find(cur.id);
          if (again && shouldRestart(again)) this.#scheduleRestart(again);
        }
      });
    }, delay);
    timer.unref();
  }

  async #startLocked(id: string): Promise<void> {
    const rec = this.#o.store.get(id);
    if (isRunning(rec.state.status)) throw new BerthError('not-modified', 'container already started');
    if (!canStart(rec.state.status)) throw conflict(`cannot start container ${id} in state ${rec.state.status}`);
    const dir = this.#dir(id);
    const rootfs = join(dir, 'rootfs');
    const runtime = this.#o.runtime;
    try {
      if (!(await isMounted(rootfs))) {
        const m = await this.#o.rootfs.mounts(id);
        await mount(m, rootfs);
      }
      const security = parseSecurityOpts(rec.hostConfig.SecurityOpt ?? []);
      const user = await resolveUser(rootfs, rec.config.User ?? '', rec.hostConfig.GroupAdd ?? []);
      const shmDir = join(dir, 'shm');
      const ns = namespacePlan(
        rec.hostConfig,
        this.#o.cgroups,
        (ref) => {
          const other = this.#o.store.get(ref);
          if (!isRunning(other.state.status) || other.state.pid <= 0) {
            throw conflict(`cannot join namespaces of a non running container: ${other.id}`);
          }
          const shareable = other.hostConfig.IpcMode === 'shareable';
          return { id: other.id, pid: other.state.pid, shm: shareable ? join(this.#dir(other.id), 'shm') : undefined };
        },
        shmDir,
      );
      if (ns.shm.mode === 'bind' && ns.shm.source === shmDir && !(await isMounted(shmDir))) {
        await mkdir(shmDir, { recursive: true });
        const size = rec.hostConfig.ShmSize && rec.hostConfig.ShmSize > 0 ? rec.hostConfig.ShmSize : 64 * 1024 * 1024;
        await mount(
          { type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', `size=${size}`] },
          shmDir,
        );
      }
      const cwd = rec.config.WorkingDir || '/';
      await mkdirInRoot(rootfs, cwd);
      const mode = rec.hostConfig.NetworkMode ?? 'bridge';
      let netnsPath: string | undefined;
      const target = containerModeTarget(mode);
      if (target !== undefined) {
        const t = this.#o.store.get(target);
        if (!isRunning(t.state.status) || !t.state.pid) {
          throw conflict(`cannot join the network of container ${t.name}: it is not running`);
        }
        netnsPath = `/proc/${t.state.pid}/ns/net`;
      }
      const net = usesBridges(mode) ? await this.#o.network.prepare(id) : undefined;
      const hostResolv = await readFile('/etc/resolv.conf', 'utf8').catch(() => '');
      await writeEtcFiles(dir, rec, {
        hostsLines: net
          ? [...ownHostsLines(net, rec.config.Hostname ?? id.slice(0, 12), rec.name), ...this.#linkLines(rec, net)]
          : [],
        resolv: resolvBase(hostResolv, net?.dnsServer, mode === 'host'),
      });
      const spec = buildOciSpec({
        args: [rec.path, ...rec.args],
        env: rec.config.Env ?? [],
        cwd,
        user,
        tty: rec.config.Tty === true,
        hostname: rec.config.Hostname ?? id.slice(0, 12),
        domainname: rec.config.Domainname,
        rootfs,
        readonlyRootfs: rec.hostConfig.ReadonlyRootfs,
        network: mode === 'host' ? { mode: 'host' } : netnsPath ? { mode: 'path', path: netnsPath } : { mode: 'none' },
        etcFiles: { hostname: join(dir, 'hostname'), hosts: join(dir, 'hosts'), resolvConf: join(dir, 'resolv.conf') },
        mounts: await this.#specMounts(rec, rootfs),
        devices: rec.devices ?? [],
        deviceRules: rec.deviceRules ?? [],
        privileged: rec.hostConfig.Privileged,
        hostCaps: this.#o.hostCaps,
        capAdd: rec.hostConfig.CapAdd ?? undefined,
        capDrop: rec.hostConfig.CapDrop ?? undefined,
        cgroupsPath: cgroupPathOf(id),
        cgroupV2: this.#o.cgroups.version === '2',
        resources: ociResources(rec.hostConfig, blockDevice),
        shmSize: rec.hostConfig.ShmSize,
        namespaces: ns.namespaces,
        shm: ns.shm,
        sysctls: rec.hostConfig.Sysctls ?? undefined,
        oomScoreAdj: rec.hostConfig.OomScoreAdj,
        initPath: rec.hostConfig.Init ? this.#o.initPath : undefined,
        seccomp: seccompOf(security.seccomp, this.#o.seccomp),
        noNewPrivileges: security.noNewPrivileges,
        rlimits: withDefaultUlimits(rec.hostConfig.Ulimits ?? [], this.#o.defaultUlimits ?? []).map((u) => ({
          type: `RLIMIT_${u.Name.toUpperCase()}`,
          soft: u.Soft,
          hard: u.Hard,
        })),
      });
      const filterKey = spec.linux.seccomp ? seccompKey(spec.linux.seccomp) : undefined;
      const compiled = filterKey ? this.#compiledFilters.get(filterKey) : undefined;
      if (compiled && runtime.supportsSeccompBpfData) {
        spec.annotations = { ...spec.annotations, 'run.oci.seccomp_bpf_data': compiled };
      }
      await writeFile(join(dir, 'config.json'), JSON.stringify(spec));
      // Leftover runtime state (e.g. from a crash) would make create fail.
      if (runtime.hasState(id)) await runtime.delete(id).catch(() => {});
      const logs = logSettings(rec.hostConfig.LogConfig);
      const { pid, conmonPid } = await runtime.create({
        id,
        bundle: dir,
        logPath: logs.driver === 'none' ? '/dev/null' : join(dir, 'container.log'),
        terminal: rec.config.Tty === true,
        stdin: rec.config.OpenStdin === true,
        leaveStdinOpen: rec.config.StdinOnce !== true,
        // conmon's own cap, far past berth's rotation: it only matters while berthd is away.
        logSizeMax: logs.maxSize > 0 ? Math.max(logs.maxSize * 10, DEFAULT_LOG_CAP) : 0,
      });
      this.#watchLog(id, logs);
      if (filterKey && !compiled) {
        const bpf = await runtime.compiledSeccomp(id);
        if (bpf) this.#compiledFilters.set(filterKey, bpf.toString('base64'));
      }
      if (net) {
        // The task's namespace exists (crun created it) and its process waits for start: wire it now.
        try {
          await this.#o.network.plumb(id, {
            netns: `/proc/${pid}/ns/net`,
            ports: portRequests(rec.config, rec.hostConfig),
            bandwidth: bandwidthLabels(rec.config.Labels ?? {}),
          });
        } catch (err) {
          await runtime.kill(id, 'KILL', true).catch(() => {});
          throw err;
        }
      }
      await this.#connectPending(id, dir);
      this.#trackRun(id);
      rec.state = {
        ...rec.state,
        status: 'running',
        pid,
        conmonPid,
        exitCode: 0,
        error: '',
        oomKilled: false,
        startedAt: new Date().toISOString(),
        finishedAt: ZERO_TIME,
      };
      this.#o.store.update(rec);
      try {
        await runtime.start(id);
      } catch (err) {
        await runtime.kill(id, 'KILL').catch(() => {});
        throw err;
      }
      this.#event('start', rec);
      this.#startHealth(rec, true);
      this.#log('info', 'container started', { id, pid });
    } catch (err) {
      const e =
        err instanceof BerthError ? err : new BerthError('internal', String((err as Error).message), { cause: err });
      if (rec.state.status !== 'running') {
        await this.#releaseTask(id);
        rec.state = { ...rec.state, error: e.message, exitCode: exitCodeForStartError(e.message) };
        this.#o.store.update(rec);
        this.#failPending(id);
        // As Docker: an auto-remove container that cannot start is removed.
        if (rec.hostConfig.AutoRemove) await this.#removeLocked(id, true).catch(() => {});
      }
      throw e;
    }
  }

  /**
   * The user's mounts with host sources: volumes made ready (mounted if they
   * have a type) and, at a volume's first use, filled from the image unless
   * `nocopy` (then the record forgets the copy-up, as Docker copies once).
   */
  async #specMounts(rec: ContainerRecord, rootfs: string): Promise<SpecMount[]> {
    const out: SpecMount[] = [];
    let copied = false;
    for (const m of rec.mounts ?? []) {
      if (m.type === 'tmpfs') {
        out.push({ type: 'tmpfs', destination: m.destination, readonly: m.readonly, options: m.tmpfsOptions ?? [] });
        continue;
      }
      let source = m.source;
      if (m.type === 'volume') {
        source = await this.#o.volumes.prepare(m.source, rec.id);
        this.#o.events?.publish({
          type: 'volume',
          action: 'mount',
          id: m.source,
          attributes: {
            container: rec.id,
            destination: m.destination,
            driver: 'local',
            propagation: '',
            'read/write': String(!m.readonly),
          },
        });
        if (m.copyUp) {
          const from = await pathInRoot(rootfs, m.destination);
          if (from && (await stat(from)).isDirectory()) await this.#o.volumes.copyUp(m.source, from);
          m.copyUp = false;
          copied = true;
        }
      }
      out.push({
        type: 'bind',
        source,
        destination: m.destination,
        readonly: m.readonly,
        propagation: m.propagation || 'rprivate',
        recursive: m.nonRecursive !== true,
      });
    }
    if (copied) this.#o.store.update(rec);
    return out;
  }

  async #connectPending(id: string, bundle: string): Promise<void> {
    const pending = this.#pending.get(id) ?? [];
    this.#pending.delete(id);
    for (const p of pending) {
      try {
        p.connect(await this.#o.runtime.attach(bundle));
      } catch (err) {
        this.#log('warn', 'attach failed', { id, err: String(err) });
      }
    }
  }

  #failPending(id: string): void {
    const pending = this.#pending.get(id) ?? [];
    this.#pending.delete(id);
    for (const p of pending) p.connect(closedConnection());
  }

  #trackRun(id: string): void {
    if (this.#exited.has(id)) return;
    let resolve!: () => void;
    const promise = new Promise<void>((r) => {
      resolve = r;
    });
    this.#exited.set(id, { promise, resolve });
  }

  /** Settles when the current task of `id` exits (at once if none runs). */
  #runDone(id: string): Promise<void> {
    return this.#exited.get(id)?.promise ?? Promise.resolve();
  }

  // ---- exit ---------------------------------------------------------------------

  /** Applies the exit of a running container's task if it has ended (exit recorded, or its conmon gone). */
  async #checkExit(rec: ContainerRecord): Promise<void> {
    if ((await this.#o.runtime.readExit(rec.id)) || !(await this.#o.runtime.conmonAlive(rec.state.conmonPid))) {
      await this.#handleExit(rec.id);
    }
  }

  #handleExit(id: string): Promise<void> {
    const rec = this.#o.store.find(id);
    if (!rec) return Promise.resolve();
    return this.#lock.run(id, async () => {
      const cur = this.#o.store.find(id);
      if (!cur || !isRunning(cur.state.status)) return;
      const exit = await this.#o.runtime.readExit(id);
      // Events also come for an exit file being cleared before a start: with
      // no exit recorded and conmon alive, the task still runs.
      if (!exit && (await this.#o.runtime.conmonAlive(cur.state.conmonPid))) return;
      // The cgroup is still there (the runtime's delete removes it): did the OOM killer strike?
      const oomKilled = (await oomKills(this.#o.cgroups, cgroupPathOf(id)).catch(() => 0)) > 0;
      cur.state = {
        ...cur.state,
        oomKilled,
        status: 'exited',
        pid: 0,
        conmonPid: 0,
        exitCode: exit?.exitCode ?? 255,
        error: exit ? '' : 'task vanished (conmon died)',
        finishedAt: (exit?.finishedAt ?? new Date()).toISOString(),
      };
      this.#o.store.update(cur);
      await this.#releaseTask(id);
      this.#exited.get(id)?.resolve();
      this.#exited.delete(id);
      this.#lastStats.delete(id);
      this.#health.stop(id);
      this.#unwatchLog(id);
      if (cur.state.oomKilled) this.#event('oom', cur);
      this.#event('die', cur, { exitCode: String(cur.state.exitCode) });
      this.#log('info', 'container exited', { id, exitCode: cur.state.exitCode });
      this.#notify(id, ['not-running', 'next-exit'], { StatusCode: cur.state.exitCode, Error: null });
      if (cur.hostConfig.AutoRemove) await this.#removeLocked(id, true);
      else if (shouldRestart(cur)) this.#scheduleRestart(cur);
    });
  }

  /**
   * Removes what a finished task leaves: the runtime's state and the rootfs
   * mount (both, in parallel), then gives back its volumes.
   */
  async #releaseTask(id: string): Promise<void> {
    await this.#releaseTaskMounts(id);
    for (const m of this.#o.store.find(id)?.mounts ?? []) {
      if (m.type !== 'volume') continue;
      await this.#o.volumes
        .release(m.source, id)
        .catch((err) => this.#log('warn', 'volume unmount failed', { id, volume: m.source, err: String(err) }));
    }
  }

  async #releaseTaskMounts(id: string): Promise<void> {
    const rootfs = join(this.#dir(id), 'rootfs');
    const shm = join(this.#dir(id), 'shm');
    await Promise.all([
      existsSync(shm)
        ? isMounted(shm).then((m) =>
            m ? unmount(shm).catch((err) => this.#log('warn', 'unmount failed', { id, err: String(err) })) : undefined,
          )
        : undefined,
      this.#o.runtime.delete(id).catch((err) => this.#log('warn', 'runtime delete failed', { id, err: String(err) })),
      removeCgroup(cgroupPathOf(id)).catch((err) =>
        this.#log('warn', 'cgroup removal failed', { id, err: String(err) }),
      ),
      isMounted(rootfs).then((m) =>
        m ? unmount(rootfs).catch((err) => this.#log('warn', 'unmount failed', { id, err: String(err) })) : undefined,
      ),
      this.#o.network.release(id).catch((err) => this.#log('warn', 'network release failed', { id, err: String(err) })),
    ]);
  }

  #notify(id: string, conditions: WaitCondition[], res: WaitResponse): void {
    const list = this.#waiters.get(id);
    if (!list) return;
    const keep = list.filter((w) => {
      if (!conditions.includes(w.condition)) return true;
      w.resolve(res);
      return false;
    });
    if (keep.length) this.#waiters.set(id, keep);
    else this.#waiters.delete(id);
  }

  // ---- stop / kill / restart ----------------------------------------------------

  /**
   * Signal, wait up to `t` seconds, then SIGKILL. Holds no lock while it
   * waits: the exit bookkeeping (#handleExit) takes the lock itself.
   */
  async stop(ref: string, opts: StopOptions = {}): Promise<void> {
    const rec = this.#o.store.get(ref);
    if (!rec.manuallyStopped && rec.hostConfig.RestartPolicy?.Name && rec.hostConfig.RestartPolicy.Name !== 'no') {
      rec.manuallyStopped = true;
      this.#o.store.update(rec);
    }
    if (!isRunning(rec.state.status)) throw new BerthError('not-modified', 'container already stopped');
    const signal = parseSignal(opts.signal || rec.config.StopSignal || 'SIGTERM');
    const timeout = opts.t ?? rec.config.StopTimeout ?? 10;
    await this.#o.runtime.kill(rec.id, signal).catch(() => {});
    await this.#thaw(rec.id);
    this.#event('kill', rec, { signal: String(signal) });
    const exited =
      (timeout >= 0 && (await this.#waitExit(rec.id, timeout * 1000))) ||
      (timeout < 0 && (await this.#waitExit(rec.id, Number.POSITIVE_INFINITY)));
    if (!exited) {
      await this.#o.runtime.kill(rec.id, 'KILL', true).catch(() => {});
      this.#event('kill', rec, { signal: '9' });
      await this.#waitExit(rec.id, Number.POSITIVE_INFINITY);
    }
    this.#event('stop', rec);
  }

  /**
   * Waits until the current task of `id` has exited and its bookkeeping is
   * done; true if that happened within `ms`. Polls the exit file as a
   * fallback to the directory watch.
   */
  async #waitExit(id: string, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    const done = this.#runDone(id);
    let finished = false;
    void done.then(() => {
      finished = true;
    });
    while (!finished) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await Promise.race([done, sleep(Math.min(left, 250))]);
      if (finished) break;
      const rec = this.#o.store.find(id);
      if (!rec || !isRunning(rec.state.status)) break;
      await this.#checkExit(rec);
    }
    await this.#settled(id);
    return true;
  }

  async restart(ref: string, opts: StopOptions = {}): Promise<void> {
    const rec = this.#o.store.get(ref);
    if (isRunning(rec.state.status)) {
      await this.stop(rec.id, opts).catch((err) => {
        if (!(err instanceof BerthError && err.code === 'not-modified')) throw err;
      });
    }
    await this.start(rec.id);
    this.#event('restart', this.#o.store.get(rec.id));
  }

  /** Waits until no exit bookkeeping is pending for `id`. */
  async #settled(id: string): Promise<void> {
    await this.#lock.run(id, async () => {});
  }

  async kill(ref: string, opts: { signal?: string } = {}): Promise<void> {
    const rec = this.#o.store.get(ref);
    const sig = parseSignal(opts.signal || 'SIGKILL');
    if (!isRunning(rec.state.status)) throw conflict(`Container ${rec.id} is not running`);
    try {
      await this.#o.runtime.kill(rec.id, sig);
    } catch (err) {
      // The task ended under us (its exit not yet recorded): record it, answer as Docker does.
      if (!(err instanceof BerthError && err.code === 'conflict')) throw err;
      await this.#checkExit(rec);
      throw conflict(`Container ${rec.id} is not running`);
    }
    this.#event('kill', rec, { signal: String(sig) });
    // A frozen process handles no signal: as Docker, a kill of a paused container thaws it.
    await this.#thaw(rec.id);
  }

  /** Thaws a paused container (after a signal was sent to it, so that it can act on it). */
  async #thaw(id: string): Promise<void> {
    const cur = this.#o.store.find(id);
    if (cur?.state.status !== 'paused') return;
    await this.#o.runtime.resume(id).catch(() => {});
    const again = this.#o.store.find(id);
    if (again?.state.status === 'paused') {
      again.state = { ...again.state, status: 'running' };
      this.#o.store.update(again);
    }
  }

  // ---- remove -------------------------------------------------------------------

  async remove(ref: string, opts: RemoveOptions = {}): Promise<void> {
    const rec = this.#o.store.get(ref);
    if (!canRemove(rec.state.status, opts.force === true)) {
      throw conflict(
        `cannot remove container "/${rec.name}": container is running: stop the container before removing or force remove`,
      );
    }
    if (isRunning(rec.state.status)) {
      // No restart policy may bring it back while it is being removed.
      rec.manuallyStopped = true;
      this.#o.store.update(rec);
      await this.#o.runtime.kill(rec.id, 'KILL', true).catch(() => {});
      await this.#thaw(rec.id);
      await this.#waitExit(rec.id, Number.POSITIVE_INFINITY);
    }
    await this.#lock.run(rec.id, () => this.#removeLocked(rec.id, opts.v === true));
  }

  /** Removes the container; with `volumes`, also its anonymous volumes that no other container uses. */
  async #removeLocked(id: string, volumes = false): Promise<void> {
    const rec = this.#o.store.find(id);
    if (!rec) return;
    const dir = this.#dir(id);
    await this.#releaseTask(id);
    if (await isMounted(join(dir, 'rootfs'))) {
      throw new BerthError('internal', `cannot remove container ${id}: its root filesystem is still mounted`);
    }
    await this.#o.rootfs.remove(id);
    await this.#o.network.detach(id);
    if (rec.hostConfig.StorageOpt?.size) await clearQuota(this.#o.dataRoot, quotaProjectOf(id));
    await this.#o.runtime.clearExit(id);
    // No log rotation may link or rename files in the directory while it is being removed.
    this.#unwatchLog(id);
    await rotationsIdle(join(dir, 'container.log'));
    await rm(dir, { recursive: true, force: true });
    this.#o.store.delete(id);
    if (volumes) {
      for (const m of rec.mounts ?? []) {
        if (m.type !== 'volume' || !m.anonymous) continue;
        await this.#o.volumes.remove(m.source, { force: true }).catch((err) => {
          this.#log('info', 'anonymous volume kept', { id, volume: m.source, err: String(err) });
        });
      }
    }
    for (const e of rec.execIds) this.#execs.delete(e);
    this.#failPending(id);
    this.#notify(id, ['not-running', 'next-exit', 'removed'], { StatusCode: rec.state.exitCode, Error: null });
    this.#event('destroy', rec);
    this.#log('info', 'container removed', { id });
  }

  // ---- wait / logs / attach / resize -------------------------------------------

  async wait(ref: string, opts: { condition?: WaitCondition } = {}): Promise<WaitHandle> {
    const rec = this.#o.store.get(ref);
    const condition = opts.condition ?? 'not-running';
    if (!['not-running', 'next-exit', 'removed'].includes(condition)) {
      throw invalidArgument(`invalid condition: "${condition}"`);
    }
    if (condition === 'not-running' && !isRunning(rec.state.status)) {
      return { result: Promise.resolve({ StatusCode: rec.state.exitCode, Error: null }) };
    }
    const result = new Promise<WaitResponse>((resolve) => {
      const list = this.#waiters.get(rec.id) ?? [];
      list.push({ condition, resolve });
      this.#waiters.set(rec.id, list);
    });
    return { result };
  }

  async logs(ref: string, opts: LogsOptions = {}): Promise<OutputStream> {
    const rec = this.#o.store.get(ref);
    const path = join(this.#dir(rec.id), 'container.log');
    const settings = logSettings(rec.hostConfig.LogConfig);
    if (settings.driver === 'none') {
      throw new BerthError('not-implemented', 'configured logging driver does not support reading');
    }
    await rotateLog(path, this.#rotation(rec.id, settings)).catch(() => {});
    const wantOut = opts.stdout !== false;
    const wantErr = opts.stderr !== false;
    const follow = opts.follow === true && isRunning(rec.state.status);
    const done = this.#runDone(rec.id);
    const sinceMs = opts.since !== undefined && opts.since > 0 ? opts.since * 1000 : 0;
    const untilMs = opts.until !== undefined && opts.until > 0 ? opts.until * 1000 : Number.POSITIVE_INFINITY;
    const enc = new TextEncoder();
    async function* output(): AsyncGenerator<OutputChunk> {
      let records = readLogs(path, { follow, done, signal: opts.signal });
      if (opts.tail !== undefined && opts.tail !== 'all') {
        const all = [];
        for await (const r of readLogs(path, { follow: false, done })) all.push(r);
        const keep = opts.tail <= 0 ? [] : all.slice(-opts.tail);
        const skip = all.length - keep.length;
        records = (async function* () {
          let i = 0;
          for await (const r of readLogs(path, { follow, done, signal: opts.signal })) if (i++ >= skip) yield r;
        })();
      }
      for await (const r of records) {
        if (r.ms < sinceMs || r.ms > untilMs) continue;
        if ((r.stream === 'stdout' && !wantOut) || (r.stream === 'stderr' && !wantErr)) continue;
        const text = opts.timestamps ? `${toRfc3339Nano(r.time)} ${r.data}` : r.data;
        yield { stream: r.stream, data: enc.encode(text) };
      }
    }
    return { tty: rec.config.Tty === true, output: output() };
  }

  async attach(ref: string, opts: AttachOptions = {}): Promise<IoSession> {
    const rec = this.#o.store.get(ref);
    const tty = rec.config.Tty === true;
    const wantOut = opts.stdout !== false;
    const wantErr = opts.stderr !== false;
    const replay = opts.logs ? await this.logs(rec.id, { follow: false }) : undefined;
    const stdinOnce = rec.config.StdinOnce === true;
    this.#event('attach', rec);
    if (isRunning(rec.state.status)) {
      const conn = await this.#o.runtime.attach(this.#dir(rec.id));
      return sessionFrom(conn, { tty, wantOut, wantErr, stdin: opts.stdin === true, stdinOnce, replay });
    }
    if (opts.stream === false) {
      return sessionFrom(closedConnection(), { tty, wantOut, wantErr, stdin: false, replay });
    }
    const deferred = deferredConnection();
    const list = this.#pending.get(rec.id) ?? [];
    list.push({ opts, connect: deferred.connect });
    this.#pending.set(rec.id, list);
    return sessionFrom(deferred.conn, { tty, wantOut, wantErr, stdin: opts.stdin === true, stdinOnce, replay });
  }

  async resize(ref: string, opts: ResizeOptions): Promise<void> {
    const rec = this.#o.store.get(ref);
    if (!isRunning(rec.state.status)) throw conflict(`Container ${rec.id} is not running`);
    validateSize(opts);
    await this.#o.runtime.resize(this.#dir(rec.id), opts.h, opts.w);
  }

  // ---- update / pause / top / stats -----------------------------------------------

  #cgroupPath(id: string): string {
    return cgroupPathOf(id);
  }

  update(ref: string, body: ContainerUpdateRequest): Promise<ContainerUpdateResponse> {
    const rec = this.#o.store.get(ref);
    return this.#lock.run(rec.id, async () => {
      const cur = this.#o.store.get(rec.id);
      const hc = cur.hostConfig;
      const changes: ContainerUpdateRequest = {};
      for (const k of RESOURCE_KEYS) {
        const v = body[k];
        if (v !== undefined && v !== null && !(typeof v === 'number' && v === 0 && k !== 'PidsLimit')) {
          (changes as Record<string, unknown>)[k] = v;
        }
      }
      const warnings = checkResources(changes, resourceHost(this.#o.cgroups), hc);
      if (
        changes.Memory !== undefined &&
        changes.MemorySwap === undefined &&
        (hc.MemorySwap ?? 0) > 0 &&
        changes.Memory > (hc.MemorySwap ?? 0)
      ) {
        throw invalidArgument(
          'Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time',
        );
      }
      const policy = body.RestartPolicy;
      if (policy?.Name !== undefined && policy.Name !== '' && policy.Name !== 'no' && hc.AutoRemove) {
        throw invalidArgument('Restart policy cannot be updated because AutoRemove is enabled for the container');
      }
      if (policy?.Name !== undefined && !['', 'no', 'always', 'unless-stopped', 'on-failure'].includes(policy.Name)) {
        throw invalidArgument(`invalid restart policy '${policy.Name}'`);
      }
      const next: HostConfig = { ...hc, ...changes };
      if (isRunning(cur.state.status)) {
        const file = join(this.#dir(cur.id), 'update-resources.json');
        await writeFile(file, JSON.stringify(ociResources(changes, blockDevice)));
        try {
          await this.#o.runtime.update(cur.id, file);
        } catch (err) {
          throw new BerthError('internal', `Cannot update container ${cur.id}: ${(err as Error).message.trim()}`);
        } finally {
          await rm(file, { force: true });
        }
      }
      // As Docker: an empty policy name (what the docker CLI sends without --restart) leaves the policy as it is.
      if (policy?.Name) next.RestartPolicy = { Name: policy.Name, MaximumRetryCount: policy.MaximumRetryCount ?? 0 };
      cur.hostConfig = next;
      this.#o.store.update(cur);
      this.#event('update', cur);
      return { Warnings: warnings };
    });
  }

  pause(ref: string): Promise<void> {
    const rec = this.#o.store.get(ref);
    return this.#lock.run(rec.id, async () => {
      const cur = this.#o.store.get(rec.id);
      if (cur.state.status === 'paused') throw conflict(`Container ${cur.id} is already paused`);
      if (cur.state.status !== 'running') throw conflict(`Container ${cur.id} is not running`);
      await this.#o.runtime.pause(cur.id);
      cur.state = { ...cur.state, status: 'paused' };
      this.#o.store.update(cur);
      this.#event('pause', cur);
    });
  }

  unpause(ref: string): Promise<void> {
    const rec = this.#o.store.get(ref);
    return this.#lock.run(rec.id, async () => {
      const cur = this.#o.store.get(rec.id);
      if (cur.state.status !== 'paused') throw conflict(`Container ${cur.id} is not paused`);
      await this.#o.runtime.resume(cur.id);
      cur.state = { ...cur.state, status: 'running' };
      this.#o.store.update(cur);
      this.#event('unpause', cur);
    });
  }

  async top(ref: string, opts: { psArgs?: string } = {}): Promise<ContainerTop> {
    const rec = this.#o.store.get(ref);
    if (!isRunning(rec.state.status)) throw conflict(`Container ${rec.id} is not running`);
    const pids = await cgroupPids(this.#o.cgroups, this.#cgroupPath(rec.id));
    return psTop(pids, opts.psArgs || '-ef');
  }

  /** One sample of a running container; the previous one (or its start) gives the CPU % baseline. */
  #sample(rec: ContainerRecord, oneShot: boolean): ContainerStats {
    const s = sampleCgroup(this.#o.cgroups, this.#cgroupPath(rec.id));
    const systemCpu = systemCpuUsage();
    const networks = networkStats(rec.state.pid);
    const ncpu = cpus().length;
    const meta = {
      id: rec.id,
      name: rec.name,
      read: new Date().toISOString(),
      systemCpu,
      onlineCpus: s.cpu.perCpu?.length || ncpu,
      hostMemory: totalmem(),
    };
    let pre: PreviousSample | undefined;
    if (!oneShot) {
      pre = this.#lastStats.get(rec.id);
      if (!pre || Date.parse(pre.read) < Date.parse(rec.state.startedAt)) {
        const sinceStartNs = Math.max(0, Date.now() - Date.parse(rec.state.startedAt)) * 1e6;
        pre = {
          read: rec.state.startedAt,
          cpu: {
            cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
            system_cpu_usage: Math.max(0, systemCpu - sinceStartNs * ncpu),
            online_cpus: meta.onlineCpus,
            throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
          },
        };
      }
    }
    const out = toDockerStats(s, meta, pre, networks);
    this.#lastStats.set(rec.id, { read: out.read, cpu: out.cpu_stats });
    return out;
  }

  async stats(ref: string, opts: StatsOptions = {}): Promise<AsyncIterable<ContainerStats>> {
    const first = this.#o.store.get(ref);
    const id = first.id;
    const firstSample = isRunning(first.state.status)
      ? this.#sample(first, opts.oneShot === true)
      : stoppedStats(first.id, first.name);
    const self = this;
    return (async function* () {
      yield firstSample;
      if (opts.stream === false) return;
      while (!opts.signal?.aborted) {
        await sleep(1000, opts.signal);
        const rec = self.#o.store.find(id);
        if (!rec || opts.signal?.aborted) return;
        if (!isRunning(rec.state.status)) {
          yield stoppedStats(rec.id, rec.name);
          return;
        }
        yield self.#sample(rec, false);
      }
    })();
  }

  // ---- exec ---------------------------------------------------------------------

  async execCreate(ref: string, body: ExecCreateRequest): Promise<{ Id: string }> {
    const rec = this.#o.store.get(ref);
    if (!isRunning(rec.state.status)) throw conflict(`container ${rec.id} is not running`);
    if (!Array.isArray(body.Cmd) || body.Cmd.length === 0) throw invalidArgument('No exec command specified');
    const id = newContainerId();
    this.#execs.set(id, { id, containerId: rec.id, config: body, running: false, exitCode: null, pid: 0 });
    rec.execIds.push(id);
    this.#o.store.update(rec);
    this.#event(`exec_create: ${body.Cmd.join(' ')}`, rec, { execID: id });
    return { Id: id };
  }

  #exec(id: string): ExecSession {
    const s = this.#execs.get(id);
    if (!s) throw notFound(`No such exec instance: ${id}`);
    return s;
  }

  /** The OCI process of an exec (or health probe) in a running container: its user, env and capabilities. */
  async #processFor(
    rec: ContainerRecord,
    o: { args: string[]; user?: string; env: string[]; tty: boolean; cwd?: string },
  ): Promise<OciProcess> {
    const rootfs = join(this.#dir(rec.id), 'rootfs');
    const user = await resolveUser(rootfs, o.user || rec.config.User || '', rec.hostConfig.GroupAdd ?? []);
    const env = mergeEnv(rec.config.Env ?? [], o.env);
    if (o.tty && !env.some((e) => e.startsWith('TERM='))) env.push('TERM=xterm');
    const caps = capabilities({
      privileged: rec.hostConfig.Privileged,
      hostCaps: this.#o.hostCaps,
      capAdd: rec.hostConfig.CapAdd ?? undefined,
      capDrop: rec.hostConfig.CapDrop ?? undefined,
    });
    return {
      terminal: o.tty,
      user,
      args: o.args,
      env,
      cwd: o.cwd || rec.config.WorkingDir || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
    };
  }

  /** Runs a health probe like an exec: its combined output, its exit code, -1 when it timed out or could not start. */
  async #probe(id: string, args: string[], timeoutMs: number): Promise<ProbeResult> {
    const start = new Date();
    const execId = newContainerId();
    const rec = this.#o.store.find(id);
    if (rec?.state.status !== 'running') {
      return { exitCode: -1, output: `container is ${rec?.state.status ?? 'gone'}`, start, end: new Date() };
    }
    try {
      const process = await this.#processFor(rec, { args, env: [], tty: false });
      const task = await this.#o.runtime.exec({ containerId: id, execId, stdin: false, attach: true, process });
      let output = '';
      const dec = new TextDecoder();
      const read = (async () => {
        for await (const c of task.attach?.output ?? []) if (output.length < 8192) output += dec.decode(c.data);
        return task.exited;
      })();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((r) => {
        timer = setTimeout(() => r('timeout'), timeoutMs);
      });
      const code = await Promise.race([read, timedOut]);
      clearTimeout(timer);
      if (code === 'timeout') {
        try {
          globalThis.process.kill(task.pid, 'SIGKILL');
        } catch {}
        task.attach?.close();
        return {
          exitCode: -1,
          output: `Health check exceeded timeout (${goDuration(timeoutMs)})`,
          start,
          end: new Date(),
        };
      }
      return { exitCode: code, output, start, end: new Date() };
    } catch (err) {
      return { exitCode: -1, output: (err as Error).message, start, end: new Date() };
    } finally {
      void this.#o.runtime.removeExec(execId);
    }
  }

  /** Starts the health monitor of a running container that has a health check (fresh: `starting`). */
  #startHealth(rec: ContainerRecord, fresh: boolean): void {
    const check = effectiveHealthcheck(rec.config.Healthcheck);
    if (!check) return;
    if (fresh || !rec.state.health) {
      rec.state = { ...rec.state, health: newHealth() };
      this.#o.store.update(rec);
    }
    const id = rec.id;
    this.#health.start(
      id,
      check,
      Date.parse(rec.state.startedAt),
      () => this.#o.store.find(id)?.state.health?.Status ?? 'none',
    );
  }

  async execStart(execId: string, body: ExecStartRequest = {}): Promise<IoSession | null> {
    const s = this.#exec(execId);
    if (s.running || s.exitCode !== null) throw conflict(`Exec command ${execId} has already run`);
    const rec = this.#o.store.get(s.containerId);
    if (!isRunning(rec.state.status)) throw conflict(`container ${rec.id} is not running`);
    const tty = body.Tty ?? s.config.Tty === true;
    const process = await this.#processFor(rec, {
      args: s.config.Cmd,
      user: s.config.User,
      env: s.config.Env ?? [],
      tty,
      cwd: s.config.WorkingDir,
    });
    const attach = body.Detach !== true;
    s.running = true;
    let task: Awaited<ReturnType<TaskRuntime['exec']>>;
    try {
      task = await this.#o.runtime.exec({
        containerId: rec.id,
        execId,
        stdin: s.config.AttachStdin === true && attach,
        attach,
        process: {
          ...process,
          ...(body.ConsoleSize ? { consoleSize: { height: body.ConsoleSize[0], width: body.ConsoleSize[1] } } : {}),
        },
      });
    } catch (err) {
      s.running = false;
      s.exitCode = err instanceof BerthError ? exitCodeForStartError(err.message) : 126;
      throw err;
    }
    s.pid = task.pid;
    s.dir = task.dir;
    this.#event(`exec_start: ${s.config.Cmd.join(' ')}`, rec, { execID: execId });
    const finished = task.exited.then((code) => {
      s.running = false;
      s.exitCode = code;
      this.#event('exec_die', this.#o.store.find(s.containerId) ?? rec, { execID: execId, exitCode: String(code) });
      void this.#o.runtime.removeExec(execId);
      // As Docker: a finished exec leaves the container's ExecIDs, and stays
      // inspectable for a while (clients read its exit code right after).
      const cur = this.#o.store.find(s.containerId);
      if (cur) {
        cur.execIds = cur.execIds.filter((e) => e !== execId);
        this.#o.store.update(cur);
      }
      setTimeout(() => this.#execs.delete(execId), EXEC_KEEP_MS).unref();
    });
    if (!task.attach) return null;
    const conn = task.attach;
    return sessionFrom(
      {
        ...conn,
        output: (async function* () {
          yield* conn.output;
          await finished;
        })(),
      },
      { tty, wantOut: s.config.AttachStdout !== false, wantErr: s.config.AttachStderr !== false, stdin: true },
    );
  }

  async execInspect(execId: string): Promise<ExecInspect> {
    const s = this.#exec(execId);
    const [entrypoint = '', ...args] = s.config.Cmd;
    return {
      ID: s.id,
      ContainerID: s.containerId,
      Running: s.running,
      ExitCode: s.exitCode,
      Pid: s.pid,
      OpenStdin: s.config.AttachStdin === true,
      OpenStdout: s.config.AttachStdout !== false,
      OpenStderr: s.config.AttachStderr !== false,
      CanRemove: false,
      DetachKeys: s.config.DetachKeys ?? '',
      ProcessConfig: {
        tty: s.config.Tty === true,
        entrypoint,
        arguments: args,
        privileged: s.config.Privileged === true,
        user: s.config.User,
      },
    };
  }

  async execResize(execId: string, opts: ResizeOptions): Promise<void> {
    const s = this.#exec(execId);
    validateSize(opts);
    if (!s.running || !s.dir) throw conflict(`Exec ${execId} is not running`);
    await this.#o.runtime.resize(s.dir, opts.h, opts.w);
  }

  /** The ExecApi face of this service. */
  execApi(): ExecApi {
    return {
      create: (id, body) => this.execCreate(id, body),
      start: (id, body) => this.execStart(id, body),
      inspect: (id) => this.execInspect(id),
      resize: (id, opts) => this.execResize(id, opts),
    };
  }

  // ---- commit -------------------------------------------------------------------

  commit(ref: string, opts: CommitOptions = {}): Promise<{ Id: string }> {
    const rec = this.#o.store.get(ref);
    return this.#lock.run(rec.id, async () => {
      const cur = this.#o.store.get(rec.id);
      const out = await commitContainer(
        {
          commitImage: (o) => this.#o.images.commit(o),
          diff: (key) => this.#o.rootfs.diff(key),
          pause: (id) => this.#o.runtime.pause(id),
          resume: (id) => this.#o.runtime.resume(id),
        },
        cur,
        opts,
      );
      this.#event('commit', cur, {
        comment: opts.comment ?? '',
        imageID: out.Id,
        imageRef: opts.repo ? `${opts.repo}:${opts.tag || 'latest'}` : '',
      });
      return out;
    });
  }

  // ---- rename / files / prune ----------------------------------------------------

  async rename(ref: string, name: string): Promise<void> {
    const rec = this.#o.store.get(ref);
    if (!name) throw invalidArgument('Neither old nor new names may be empty');
    const newName = validateName(name);
    if (newName === rec.name) {
      throw invalidArgument('Renaming a container with the same name as its current name');
    }
    await this.#lock.run(rec.id, async () => {
      const oldName = rec.name;
      this.#o.store.rename(rec.id, newName);
      await this.#o.network.renameContainer(rec.id, newName);
      this.#event('rename', this.#o.store.get(rec.id), { oldName: `/${oldName}` });
    });
  }

  async changes(ref: string): Promise<ContainerChange[]> {
    const rec = this.#o.store.get(ref);
    return (await this.#o.rootfs.changes(rec.id)).map((c) => ({ Path: c.path, Kind: c.kind }));
  }

  /**
   * The container's root filesystem for a file operation: a running one is
   * frozen (no process can swap a path component while berth resolves and
   * uses it) until `release`; a stopped one is mounted for the operation and
   * kept from starting (its lock is held) until `release`.
   */
  async #openRootfs(
    ref: string,
    opts: { freeze: boolean },
  ): Promise<{ rec: ContainerRecord; root: string; release(): Promise<void> }> {
    const id = this.#o.store.get(ref).id;
    let unlock!: () => void;
    const held = new Promise<void>((r) => {
      unlock = r;
    });
    await new Promise<void>((entered) => {
      void this.#lock.run(id, () => {
        entered();
        return held;
      });
    });
    const rec = this.#o.store.get(id);
    const root = join(this.#dir(id), 'rootfs');
    let frozen = false;
    let mounted = false;
    try {
      if (isRunning(rec.state.status)) {
        if (opts.freeze && rec.state.status === 'running') {
          await this.#o.runtime.pause(id);
          frozen = true;
        }
        unlock(); // exits and stops go on; a frozen task stays put until thawed
      } else if (!(await isMounted(root))) {
        await mount(await this.#o.rootfs.mounts(id), root);
        mounted = true;
      }
    } catch (err) {
      unlock();
      throw err;
    }
    let released = false;
    return {
      rec,
      root,
      release: async () => {
        if (released) return;
        released = true;
        try {
          // A `pause` meanwhile wants it frozen: leave it so.
          if (frozen && this.#o.store.find(id)?.state.status === 'running') {
            await this.#o.runtime
              .resume(id)
              .catch((err) => this.#log('warn', 'resume failed', { id, err: String(err) }));
          }
          if (mounted) await unmount(root);
        } finally {
          unlock();
        }
      },
    };
  }

  async statPath(ref: string, path: string): Promise<PathStat> {
    const fs = await this.#openRootfs(ref, { freeze: true });
    try {
      return (await locate(fs.root, path)).stat;
    } finally {
      await fs.release();
    }
  }

  async getArchive(ref: string, path: string): Promise<ArchiveStream> {
    const fs = await this.#openRootfs(ref, { freeze: true });
    let located: Awaited<ReturnType<typeof locate>>;
    try {
      located = await locate(fs.root, path);
    } catch (err) {
      await fs.release();
      throw err;
    }
    this.#event('archive-path', fs.rec, { path: located.path });
    return { stat: located.stat, tar: releasing(archiveOf(located), fs.release) };
  }

  async putArchive(ref: string, opts: PutArchiveOptions): Promise<void> {
    const rec = this.#o.store.get(ref);
    if (rec.hostConfig.ReadonlyRootfs) throw new BerthError('forbidden', 'container rootfs is marked read-only');
    const fs = await this.#openRootfs(ref, { freeze: true });
    try {
      await extractInto(fs.root, opts);
    } finally {
      await fs.release();
    }
    this.#event('extract-to-dir', fs.rec, { path: opts.path });
  }

  async export(ref: string): Promise<AsyncIterable<Uint8Array>> {
    const fs = await this.#openRootfs(ref, { freeze: false });
    this.#event('export', fs.rec);
    try {
      return releasing(await exportRootfs(fs.root), fs.release);
    } catch (err) {
      await fs.release();
      throw err;
    }
  }

  async prune(opts: { filters?: Filters } = {}): Promise<PruneReport> {
    const match = pruneFilter(opts.filters ?? {}, Date.now());
    const report: PruneReport = { ContainersDeleted: [], SpaceReclaimed: 0 };
    for (const rec of this.#o.store.all()) {
      if (isRunning(rec.state.status) || !match(rec)) continue;
      const size = (await this.#o.rootfs.usage(rec.id).catch(() => ({ size: 0 }))).size;
      try {
        await this.#lock.run(rec.id, async () => {
          const cur = this.#o.store.find(rec.id);
          if (!cur || isRunning(cur.state.status)) return;
          await this.#removeLocked(rec.id);
          report.ContainersDeleted.push(rec.id);
          report.SpaceReclaimed += size;
        });
      } catch (err) {
        this.#log('warn', 'prune: remove failed', { id: rec.id, err: String(err) });
      }
    }
    this.#o.events?.publish({
      type: 'container',
      action: 'prune',
      id: '',
      attributes: { reclaimed: String(report.SpaceReclaimed) },
    });
    return report;
  }

  /** For the image service: is any container using this image? */
  imageInUse(imageId: string): ContainerRecord | undefined {
    return this.#o.store.usesImage(imageId);
  }
}

// ---- helpers (pure or nearly) ---------------------------------------------------

/** Runs `release` once `src` is consumed, fails or is abandoned. */
async function* releasing(src: AsyncIterable<Uint8Array>, release: () => Promise<void>): AsyncGenerator<Uint8Array> {
  try {
    yield* src;
  } finally {
    await release();
  }
}

/** The daemon's default ulimits under the container's own (a container's limit of the same name wins). */
export function withDefaultUlimits<T extends { Name: string }>(own: T[], defaults: T[]): T[] {
  return [...defaults.filter((d) => !own.some((u) => u.Name === d.Name)), ...own];
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((r) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      r();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** A container event's attributes as Docker sets them: the container's labels, then image and name, then `extra`. */
export function containerEventAttributes(
  rec: ContainerRecord,
  extra: Record<string, string> = {},
): Record<string, string> {
  return { ...(rec.config.Labels ?? {}), image: rec.image, name: rec.name, ...extra };
}

/** `--storage-opt size=`: the bytes of the writable layer's quota; other storage options are refused. */
function storageQuota(opts: Record<string, string>): number | undefined {
  let size: number | undefined;
  for (const [k, v] of Object.entries(opts)) {
    if (k !== 'size') throw invalidArgument(`Unknown option ${k}: --storage-opt takes only size=`);
    size = parseBytes(v);
    if (size === undefined || size <= 0) throw invalidArgument(`invalid storage size: '${v}'`);
  }
  return size;
}

/** The writable directory of a container's root filesystem mount. */
function upperDir(m: MountSpec): string {
  const opt = m.options.find((o) => o.startsWith('upperdir='));
  return opt ? opt.slice('upperdir='.length) : m.source;
}

/** The xfs project of a container's writable layer: from its ID, in a range volumes do not use. */
function quotaProjectOf(id: string): number {
  return 0x40000000 + Number.parseInt(id.slice(0, 7), 16);
}

function validateSize(opts: ResizeOptions): void {
  if (!Number.isInteger(opts.h) || !Number.isInteger(opts.w) || opts.h < 0 || opts.w < 0) {
    throw invalidArgument('invalid resize dimensions');
  }
}
