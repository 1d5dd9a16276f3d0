/**
 * The Engine: every operation berth offers, in Docker Engine API terms, split
 * per resource. Two implementations: engine/local (in berthd, with behaviour)
 * and engine/remote (the same calls over HTTP to berthd). The CLI and compose
 * see only this interface; the HTTP routes only translate it to the wire.
 *
 * Errors are BerthErrors (src/lib/errors.ts) with Docker's messages, e.g.
 * code 'not-found' and "No such container: web".
 */
import type {
  ArchiveStream,
  AttachOptions,
  BuildMessage,
  BuildPruneOptions,
  BuildPruneResponse,
  CommitOptions,
  ContainerChange,
  EventMessage,
  EventsOptions,
  ContainerCreateRequest,
  ContainerCreateResponse,
  ContainerInspect,
  ContainerListOptions,
  ContainerPortsRequest,
  ContainerStats,
  ContainerSummary,
  DiskUsage,
  ContainerTop,
  ContainerUpdateRequest,
  ContainerUpdateResponse,
  ExecCreateRequest,
  ExecInspect,
  ExecStartRequest,
  Filters,
  ImageBootstrapRequest,
  ImageBuildOptions,
  ImageDeleteItem,
  ImageInspect,
  ImageListOptions,
  ImageRemoveOptions,
  ImageSummary,
  IoSession,
  LogsOptions,
  NetworkConnectRequest,
  NetworkCreateRequest,
  NetworkCreateResponse,
  NetworkDisconnectRequest,
  NetworkInspect,
  NetworkPruneResponse,
  OutputStream,
  PathStat,
  PruneReport,
  PutArchiveOptions,
  RemoveOptions,
  ResizeOptions,
  StatsOptions,
  StopOptions,
  SystemCheckResponse,
  SystemInfo,
  VersionInfo,
  Volume,
  VolumeCreateRequest,
  VolumeListResponse,
  VolumePruneResponse,
  WaitCondition,
  WaitHandle,
} from './types.ts';

export interface SystemApi {
  ping(): Promise<void>;
  version(): Promise<VersionInfo>;
  info(): Promise<SystemInfo>;
  /**
   * berth extension: compares records with what is on disk (volumes, and
   * whatever else registers a checker) and, with `repair`, fixes what a crash
   * left half done. Reports every finding.
   */
  check(opts?: { repair?: boolean }): Promise<SystemCheckResponse>;
  /**
   * Events as they happen (and, with `since`, the recorded ones from then),
   * until `until` or `signal`; filters as Docker's (type, container, image,
   * event, label, network, volume…), 'invalid-argument' for unknown keys.
   */
  events(opts?: EventsOptions): Promise<AsyncIterable<EventMessage>>;
  /** Disk use by images, containers, volumes and build cache (`system df`). */
  df(): Promise<DiskUsage>;
}

/**
 * Containers: records (create, inspect, list, remove) and their task (start,
 * stop, kill, wait, attach, logs). `id` arguments accept a full ID, a unique
 * ID prefix, or a name (with or without a leading '/'), as Docker's do.
 */
export interface ContainersApi {
  create(body: ContainerCreateRequest, opts?: { name?: string }): Promise<ContainerCreateResponse>;
  list(opts?: ContainerListOptions): Promise<ContainerSummary[]>;
  inspect(id: string): Promise<ContainerInspect>;
  /** Starts the task; 'not-modified' if it already runs. */
  start(id: string): Promise<void>;
  /** Signal, wait up to `t` seconds, then SIGKILL; 'not-modified' if not running. */
  stop(id: string, opts?: StopOptions): Promise<void>;
  restart(id: string, opts?: StopOptions): Promise<void>;
  /** Sends a signal (default SIGKILL); 'conflict' if not running. */
  kill(id: string, opts?: { signal?: string }): Promise<void>;
  /** 'conflict' if running and not `force`. */
  remove(id: string, opts?: RemoveOptions): Promise<void>;
  wait(id: string, opts?: { condition?: WaitCondition }): Promise<WaitHandle>;
  logs(id: string, opts?: LogsOptions): Promise<OutputStream>;
  /**
   * Connects to the container's stdio. Before the container starts, the
   * session is registered and connected at start, so nothing is missed.
   */
  attach(id: string, opts?: AttachOptions): Promise<IoSession>;
  resize(id: string, opts: ResizeOptions): Promise<void>;
  /** Changes resource limits (live, on a running container) and the restart policy; returns Docker's warnings. */
  update(id: string, body: ContainerUpdateRequest): Promise<ContainerUpdateResponse>;
  /** Freezes every process of a running container; 'conflict' if not running or already paused. */
  pause(id: string): Promise<void>;
  /** Thaws a paused container; 'conflict' if it is not paused. */
  unpause(id: string): Promise<void>;
  /** The container's processes as `ps` shows them (`psArgs` default `-ef`); 'conflict' if not running. */
  top(id: string, opts?: { psArgs?: string }): Promise<ContainerTop>;
  /**
   * Resource usage samples: one (`stream: false`) or one a second until
   * `signal` aborts or the container stops. A stopped container gives one
   * empty sample, as Docker's.
   */
  stats(id: string, opts?: StatsOptions): Promise<AsyncIterable<ContainerStats>>;
  /**
   * Makes an image of the container's filesystem changes (one new layer on
   * its image) and config, with `changes` applied; pauses a running
   * container while its changes are read unless `pause` is false.
   */
  commit(id: string, opts?: CommitOptions): Promise<{ Id: string }>;
  /** 'conflict' if the name is taken; 'invalid-argument' for a bad name or the same name. */
  rename(id: string, name: string): Promise<void>;
  /** Filesystem changes over the image (`diff`): Kind 0 modified, 1 added, 2 deleted. */
  changes(id: string): Promise<ContainerChange[]>;
  /** What `path` inside the container is (HEAD /archive); 'not-found' if absent. */
  statPath(id: string, path: string): Promise<PathStat>;
  /** A tar of `path` inside the container, under its own base name (GET /archive). */
  getArchive(id: string, path: string): Promise<ArchiveStream>;
  /** Extracts a tar into directory `path` inside the container, never outside its root (PUT /archive). */
  putArchive(id: string, opts: PutArchiveOptions): Promise<void>;
  /** The container's whole root filesystem as a tar. */
  export(id: string): Promise<AsyncIterable<Uint8Array>>;
  /** Removes stopped containers (filters: until, label, label!). */
  prune(opts?: { filters?: Filters }): Promise<PruneReport>;
  /**
   * berth extension: publishes more ports of a running container or stops
   * publishing some, without a restart; answers the container's port map.
   */
  ports(id: string, body: ContainerPortsRequest): Promise<ContainerInspect['NetworkSettings']['Ports']>;
}

/**
 * Networks: bridge networks and the predefined `bridge`, `host` and `none`.
 * `id` arguments accept a full ID, a unique ID prefix or a name.
 */
export interface NetworksApi {
  list(opts?: { filters?: Filters }): Promise<NetworkInspect[]>;
  inspect(id: string): Promise<NetworkInspect>;
  /** 'already-exists' for a taken name; 'forbidden' for a subnet overlapping another. */
  create(body: NetworkCreateRequest): Promise<NetworkCreateResponse>;
  /** 'forbidden' for predefined networks; 'conflict' while a container is connected. */
  remove(id: string): Promise<void>;
  /** Removes user networks no container is connected to. */
  prune(opts?: { filters?: Filters }): Promise<NetworkPruneResponse>;
  /** Connects a container (running or not) to a network. */
  connect(id: string, body: NetworkConnectRequest): Promise<void>;
  disconnect(id: string, body: NetworkDisconnectRequest): Promise<void>;
}

/** Exec sessions: extra processes in a running container. */
export interface ExecApi {
  create(containerId: string, body: ExecCreateRequest): Promise<{ Id: string }>;
  /** With `Detach`, starts the process and returns null; otherwise the process's stdio. */
  start(execId: string, body?: ExecStartRequest): Promise<IoSession | null>;
  inspect(execId: string): Promise<ExecInspect>;
  resize(execId: string, opts: ResizeOptions): Promise<void>;
}

export interface ImagesApi {
  list(opts?: ImageListOptions): Promise<ImageSummary[]>;
  /** `name` is a reference (`busybox`, `busybox:1`, `docker.io/library/busybox`) or a full or short image ID. */
  inspect(name: string): Promise<ImageInspect>;
  tag(name: string, repo: string, tag?: string): Promise<void>;
  /** 'conflict' when a container uses the image, unless `force`. */
  remove(name: string, opts?: ImageRemoveOptions): Promise<ImageDeleteItem[]>;
  /** berth extension: makes a base image offline from the host (e.g. busybox-static). */
  bootstrap(body: ImageBootstrapRequest): Promise<ImageInspect>;
}

/**
 * Image builds from a Dockerfile (the classic builder's API: POST /build).
 * `build` consumes the context tar (plain or gzip) and answers Docker's JSON
 * message stream; a failure after the build started is a message with
 * `errorDetail`, not a rejection. The stream ends when the build is over;
 * abandoning it cancels the build.
 */
export interface BuildApi {
  /** `signal`: the client went away; the build is cancelled (its running step killed, everything cleaned up). */
  build(
    context: AsyncIterable<Uint8Array>,
    opts: ImageBuildOptions,
    signal?: AbortSignal,
  ): Promise<AsyncIterable<BuildMessage>>;
  /** `builder prune`: removes build cache entries and the layers only they kept. */
  prune(opts?: BuildPruneOptions): Promise<BuildPruneResponse>;
}

/**
 * Volumes of the local driver. Names are Docker's (`[a-zA-Z0-9][a-zA-Z0-9_.-]+`);
 * a volume any container references (running or not) cannot be removed
 * ('conflict'). `prune` follows Docker 23+: anonymous volumes only unless the
 * filter `all=true` is given.
 */
export interface VolumesApi {
  /** Filters: `dangling`, `driver`, `label`, `name`. */
  list(opts?: { filters?: Filters }): Promise<VolumeListResponse>;
  /** Returns the existing volume when the name is taken (as Docker does). */
  create(body: VolumeCreateRequest): Promise<Volume>;
  /** Includes UsageData (size and reference count). */
  inspect(name: string): Promise<Volume>;
  /** `force`: a missing volume is not an error. */
  remove(name: string, opts?: { force?: boolean }): Promise<void>;
  /** Filters: `all`, `label`, `label!`. */
  prune(opts?: { filters?: Filters }): Promise<VolumePruneResponse>;
}

export interface Engine {
  readonly system: SystemApi;
  readonly containers: ContainersApi;
  readonly exec: ExecApi;
  readonly images: ImagesApi;
  readonly networks: NetworksApi;
  readonly build: BuildApi;
  readonly volumes: VolumesApi;
}
