/**
 * Docker Engine API types: the wire shapes the Engine interface speaks, named
 * and cased as Docker names them (PascalCase fields) so the HTTP layer only
 * decodes and encodes. Only fields berth honours or reports are listed; the
 * API layer ignores unknown input fields the way Docker does.
 */

/** `filters` query parameter, decoded: key → accepted values. */
export type Filters = Record<string, string[]>;

/** A health check (`--health-*`, the image's HEALTHCHECK); durations in nanoseconds, 0 = the default. */
export interface HealthConfig {
  /** `[]` inherit, `["NONE"]` disabled, `["CMD", args...]`, `["CMD-SHELL", command]`. */
  Test?: string[];
  Interval?: number;
  Timeout?: number;
  Retries?: number;
  StartPeriod?: number;
  StartInterval?: number;
}

/** Container configuration (the `Config` part of ContainerCreate and of an image config). */
export interface ContainerConfig {
  Hostname?: string;
  Domainname?: string;
  User?: string;
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  ExposedPorts?: Record<string, Record<string, never>> | null;
  Tty?: boolean;
  OpenStdin?: boolean;
  StdinOnce?: boolean;
  Env?: string[] | null;
  Cmd?: string[] | null;
  Healthcheck?: HealthConfig;
  Image?: string;
  Volumes?: Record<string, Record<string, never>> | null;
  WorkingDir?: string;
  Entrypoint?: string[] | null;
  NetworkDisabled?: boolean;
  Labels?: Record<string, string> | null;
  StopSignal?: string;
  /** Image configs: Dockerfile triggers for builds FROM the image. */
  OnBuild?: string[] | null;
  /** Image configs: the SHELL a Dockerfile set (for RUN/CMD/ENTRYPOINT shell forms). */
  Shell?: string[];
  StopTimeout?: number;
}

export interface RestartPolicy {
  Name?: '' | 'no' | 'always' | 'unless-stopped' | 'on-failure';
  MaximumRetryCount?: number;
}

/** One `--mount` (HostConfig.Mounts entry), as Docker's mount.Mount. */
export interface Mount {
  Type: 'bind' | 'volume' | 'tmpfs';
  /** Host path (bind), volume name (volume; empty for an anonymous one); none for tmpfs. */
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  Consistency?: string;
  BindOptions?: {
    Propagation?: 'private' | 'rprivate' | 'shared' | 'rshared' | 'slave' | 'rslave';
    NonRecursive?: boolean;
    CreateMountpoint?: boolean;
  };
  VolumeOptions?: {
    NoCopy?: boolean;
    Labels?: Record<string, string> | null;
    DriverConfig?: { Name?: string; Options?: Record<string, string> | null };
    Subpath?: string;
  };
  TmpfsOptions?: {
    /** Bytes; 0 = unlimited (the kernel's default, half of RAM). */
    SizeBytes?: number;
    /** File mode of the tmpfs root, e.g. 0o1777 (as a number). */
    Mode?: number;
  };
}

/** One `--device` (HostConfig.Devices entry). */
export interface DeviceMapping {
  PathOnHost: string;
  PathInContainer: string;
  /** Some of `rwm`. */
  CgroupPermissions: string;
}

export interface HostConfig extends Resources {
  Binds?: string[] | null;
  Mounts?: Mount[] | null;
  /** `--tmpfs`: target → tmpfs options (`size=64m,mode=1777`). */
  Tmpfs?: Record<string, string> | null;
  /** `--volumes-from`: `container[:ro|rw]`. */
  VolumesFrom?: string[] | null;
  Devices?: DeviceMapping[] | null;
  /** `--device-cgroup-rule`: `c|b|a major|* :minor|* rwm`. */
  DeviceCgroupRules?: string[] | null;
  /** `--storage-opt size=`: a quota on the writable layer (xfs with prjquota only). */
  StorageOpt?: Record<string, string> | null;
  NetworkMode?: string;
  AutoRemove?: boolean;
  RestartPolicy?: RestartPolicy;
  Privileged?: boolean;
  Init?: boolean | null;
  ReadonlyRootfs?: boolean;
  CapAdd?: string[] | null;
  CapDrop?: string[] | null;
  /** `seccomp=unconfined`, `seccomp=<profile JSON>`, `no-new-privileges[=true]`. */
  SecurityOpt?: string[] | null;
  Ulimits?: { Name: string; Soft: number; Hard: number }[] | null;
  ShmSize?: number;
  LogConfig?: { Type?: string; Config?: Record<string, string> };
  /** `-p`: "80/tcp" → host bindings (HostPort "" or "0" for a free port, or a range "8000-8010"). */
  PortBindings?: PortMap | null;
  /** `-P`: publish every exposed port on a free host port. */
  PublishAllPorts?: boolean;
  /** Legacy `--link container[:alias]`. */
  Links?: string[] | null;
  /** Extra groups for the process: names (looked up in the image's /etc/group) or numeric IDs. */
  GroupAdd?: string[] | null;
  /** Namespaced sysctls (`--sysctl`); others are refused. */
  Sysctls?: Record<string, string> | null;
  OomScoreAdj?: number;
  /** `host:ip` lines for /etc/hosts (`--add-host`). */
  ExtraHosts?: string[] | null;
  Dns?: string[] | null;
  DnsSearch?: string[] | null;
  DnsOptions?: string[] | null;
  /** '' (private), 'host', or 'container:<id|name>'. */
  PidMode?: string;
  /** '' or 'private', 'shareable', 'host', 'none', 'container:<id|name>'. */
  IpcMode?: string;
  /** '' or 'host'. */
  UTSMode?: string;
  /** '' (the daemon's default), 'private' or 'host'. */
  CgroupnsMode?: string;
  /** '' or 'host' (opt out of the daemon's userns-remap). */
  UsernsMode?: string;
}

/** One `--blkio-weight-device` entry. */
export interface WeightDevice {
  Path: string;
  Weight: number;
}

/** One `--device-read-bps` (and similar) entry: a rate per second. */
export interface ThrottleDevice {
  Path: string;
  Rate: number;
}

/** The resource limits of a container: the part of HostConfig that `update` may change. */
export interface Resources {
  CpuShares?: number;
  Memory?: number;
  NanoCpus?: number;
  CpuPeriod?: number;
  CpuQuota?: number;
  CpuRealtimePeriod?: number;
  CpuRealtimeRuntime?: number;
  CpusetCpus?: string;
  CpusetMems?: string;
  BlkioWeight?: number;
  BlkioWeightDevice?: WeightDevice[] | null;
  BlkioDeviceReadBps?: ThrottleDevice[] | null;
  BlkioDeviceWriteBps?: ThrottleDevice[] | null;
  BlkioDeviceReadIOps?: ThrottleDevice[] | null;
  BlkioDeviceWriteIOps?: ThrottleDevice[] | null;
  /** Deprecated by Docker: accepted with a warning, not applied. */
  KernelMemory?: number;
  MemoryReservation?: number;
  /** Memory plus swap; -1 unlimited swap. */
  MemorySwap?: number;
  /** 0-100; -1 or null: the host's default. */
  MemorySwappiness?: number | null;
  OomKillDisable?: boolean | null;
  /** ≤0 or null: unlimited. */
  PidsLimit?: number | null;
}

/** Body of POST /containers/{id}/update: resources and the restart policy. */
export interface ContainerUpdateRequest extends Resources {
  RestartPolicy?: RestartPolicy;
}

export interface ContainerUpdateResponse {
  Warnings: string[];
}

/** GET /containers/{id}/top. */
export interface ContainerTop {
  Titles: string[];
  Processes: string[][];
}

/** CPU figures of one stats sample, as Docker names them. */
export interface CpuStats {
  cpu_usage: {
    total_usage: number;
    percpu_usage?: number[];
    usage_in_kernelmode: number;
    usage_in_usermode: number;
  };
  system_cpu_usage?: number;
  online_cpus?: number;
  throttling_data: { periods: number; throttled_periods: number; throttled_time: number };
}

/** One blkio entry: bytes or operations by device and direction. */
export interface BlkioEntry {
  major: number;
  minor: number;
  op: string;
  value: number;
}

/** GET /containers/{id}/stats: one sample, the shape the docker CLI reads. */
export interface ContainerStats {
  name: string;
  id: string;
  read: string;
  preread: string;
  pids_stats: { current?: number; limit?: number };
  blkio_stats: {
    io_service_bytes_recursive: BlkioEntry[] | null;
    io_serviced_recursive: BlkioEntry[] | null;
    io_queue_recursive: BlkioEntry[] | null;
    io_service_time_recursive: BlkioEntry[] | null;
    io_wait_time_recursive: BlkioEntry[] | null;
    io_merged_recursive: BlkioEntry[] | null;
    io_time_recursive: BlkioEntry[] | null;
    sectors_recursive: BlkioEntry[] | null;
  };
  num_procs: number;
  storage_stats: Record<string, never>;
  cpu_stats: CpuStats;
  precpu_stats: CpuStats;
  memory_stats: {
    usage?: number;
    max_usage?: number;
    stats?: Record<string, number>;
    failcnt?: number;
    limit?: number;
  };
  networks?: Record<
    string,
    {
      rx_bytes: number;
      rx_packets: number;
      rx_errors: number;
      rx_dropped: number;
      tx_bytes: number;
      tx_packets: number;
      tx_errors: number;
      tx_dropped: number;
    }
  >;
}

/** Options of `stats`: one sample (`stream: false`) or a sample a second until the signal aborts. */
export interface StatsOptions {
  stream?: boolean;
  /** Docker's one-shot: no precpu sample at all. */
  oneShot?: boolean;
  signal?: AbortSignal;
}

export interface PortBinding {
  HostIp?: string;
  HostPort?: string;
}

/** "80/tcp" → bindings. */
export type PortMap = Record<string, PortBinding[] | null>;

/** A container's settings on one network (create, connect, and inspect). */
export interface EndpointSettings {
  IPAMConfig?: { IPv4Address?: string; IPv6Address?: string } | null;
  Links?: string[] | null;
  Aliases?: string[] | null;
  MacAddress?: string;
  DriverOpts?: Record<string, string> | null;
  NetworkID?: string;
  EndpointID?: string;
  Gateway?: string;
  IPAddress?: string;
  IPPrefixLen?: number;
  IPv6Gateway?: string;
  GlobalIPv6Address?: string;
  GlobalIPv6PrefixLen?: number;
  DNSNames?: string[] | null;
}

export interface NetworkingConfig {
  EndpointsConfig?: Record<string, EndpointSettings> | null;
}

/** GET /networks/{id} and the rows of GET /networks. */
export interface NetworkInspect {
  Name: string;
  Id: string;
  Created: string;
  Scope: 'local';
  Driver: string;
  EnableIPv4: boolean;
  EnableIPv6: boolean;
  IPAM: { Driver: string; Options: Record<string, string> | null; Config: IpamConfig[] };
  Internal: boolean;
  Attachable: boolean;
  Ingress: boolean;
  ConfigFrom: { Network: string };
  ConfigOnly: boolean;
  Containers: Record<
    string,
    { Name: string; EndpointID: string; MacAddress: string; IPv4Address: string; IPv6Address: string }
  >;
  Options: Record<string, string>;
  Labels: Record<string, string>;
}

export interface IpamConfig {
  Subnet?: string;
  IPRange?: string;
  Gateway?: string;
  AuxiliaryAddresses?: Record<string, string>;
}

/** Body of POST /networks/create. */
export interface NetworkCreateRequest {
  Name: string;
  CheckDuplicate?: boolean;
  Driver?: string;
  Scope?: string;
  Internal?: boolean;
  Attachable?: boolean;
  Ingress?: boolean;
  EnableIPv4?: boolean;
  EnableIPv6?: boolean;
  IPAM?: { Driver?: string; Config?: IpamConfig[] | null; Options?: Record<string, string> | null } | null;
  Options?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

export interface NetworkCreateResponse {
  Id: string;
  Warning: string;
}

/** Body of POST /networks/{id}/connect. */
export interface NetworkConnectRequest {
  Container: string;
  EndpointConfig?: EndpointSettings | null;
}

/** Body of POST /networks/{id}/disconnect. */
export interface NetworkDisconnectRequest {
  Container: string;
  Force?: boolean;
}

export interface NetworkPruneResponse {
  NetworksDeleted: string[];
}

/**
 * berth extension, body of POST /containers/{id}/ports: publish more ports
 * of a running container, or stop publishing some, without a restart.
 * Entries use `-p` syntax (`8081:80`, `127.0.0.1:8082:80/udp`) to add and
 * `hostPort[/proto]` or `ip:hostPort[/proto]` to remove.
 */
export interface ContainerPortsRequest {
  Add?: string[] | null;
  Remove?: string[] | null;
}

/** Body of POST /containers/create. */
export interface ContainerCreateRequest extends ContainerConfig {
  HostConfig?: HostConfig;
  NetworkingConfig?: NetworkingConfig;
}

export interface ContainerCreateResponse {
  Id: string;
  Warnings: string[];
}

export interface Port {
  IP?: string;
  PrivatePort: number;
  PublicPort?: number;
  Type: 'tcp' | 'udp' | 'sctp';
}

/** One row of GET /containers/json. */
export interface ContainerSummary {
  Id: string;
  Names: string[];
  Image: string;
  ImageID: string;
  Command: string;
  Created: number;
  Ports: Port[];
  Labels: Record<string, string>;
  State: ContainerStateName;
  Status: string;
  HostConfig: { NetworkMode: string };
  NetworkSettings: { Networks: Record<string, unknown> };
  Mounts: MountPoint[];
  SizeRw?: number;
  SizeRootFs?: number;
}

export type ContainerStateName = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

/** One health check run. */
export interface HealthLog {
  Start: string;
  End: string;
  ExitCode: number;
  Output: string;
}

/** State.Health in inspect. */
export interface HealthState {
  Status: 'starting' | 'healthy' | 'unhealthy' | 'none';
  FailingStreak: number;
  Log: HealthLog[];
}

export interface ContainerState {
  Status: ContainerStateName;
  Health?: HealthState;
  Running: boolean;
  Paused: boolean;
  Restarting: boolean;
  OOMKilled: boolean;
  Dead: boolean;
  Pid: number;
  ExitCode: number;
  Error: string;
  StartedAt: string;
  FinishedAt: string;
}

export interface MountPoint {
  Type: string;
  Name?: string;
  Source: string;
  Destination: string;
  Driver?: string;
  Mode: string;
  RW: boolean;
  Propagation: string;
}

/** GET /containers/{id}/json. */
export interface ContainerInspect {
  Id: string;
  Created: string;
  Path: string;
  Args: string[];
  State: ContainerState;
  Image: string;
  ResolvConfPath: string;
  HostnamePath: string;
  HostsPath: string;
  LogPath: string;
  Name: string;
  RestartCount: number;
  Driver: string;
  Platform: string;
  MountLabel: string;
  ProcessLabel: string;
  AppArmorProfile: string;
  ExecIDs: string[] | null;
  HostConfig: HostConfig;
  GraphDriver: { Name: string; Data: Record<string, string> };
  Mounts: MountPoint[];
  Config: ContainerConfig;
  NetworkSettings: NetworkSettings;
}

/** A container's NetworkSettings in inspect. */
export interface NetworkSettings {
  Bridge: string;
  SandboxID: string;
  SandboxKey: string;
  Ports: Record<string, { HostIp: string; HostPort: string }[] | null>;
  IPAddress: string;
  IPPrefixLen: number;
  Gateway: string;
  MacAddress: string;
  Networks: Record<string, EndpointSettings>;
}

export interface ContainerListOptions {
  all?: boolean;
  limit?: number;
  size?: boolean;
  filters?: Filters;
}

export interface StopOptions {
  /** Signal name or number; default the container's StopSignal, else SIGTERM. */
  signal?: string;
  /** Seconds to wait before SIGKILL; default the container's StopTimeout, else 10. -1 waits forever. */
  t?: number;
}

export interface RemoveOptions {
  force?: boolean;
  /** Also remove the container's anonymous volumes (named ones are kept). */
  v?: boolean;
}

/** Query of POST /commit (the container and the new image's name, message, author, changes). */
export interface CommitOptions {
  /** Repository of the new image's name; none leaves the image dangling. */
  repo?: string;
  tag?: string;
  /** The history comment (`-m`). */
  comment?: string;
  author?: string;
  /** Freeze the container while its changes are read (default true). */
  pause?: boolean;
  /** Dockerfile instructions (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR). */
  changes?: string[];
  /** Config fields that replace the container's in the new image (the request body). */
  config?: ContainerConfig;
}

/** One entry of GET /containers/{id}/changes: Kind 0 modified, 1 added, 2 deleted. */
export interface ContainerChange {
  Path: string;
  Kind: 0 | 1 | 2;
}

/** X-Docker-Container-Path-Stat: what a path inside a container is (base64 JSON in the header). */
export interface PathStat {
  name: string;
  size: number;
  /** Go's os.FileMode bits: permissions plus type flags (dir 1<<31, symlink 1<<27…). */
  mode: number;
  mtime: string;
  linkTarget: string;
}

/** A tar stream out of a container (GET /containers/{id}/archive), with the stat of the path it packs. */
export interface ArchiveStream {
  stat: PathStat;
  tar: AsyncIterable<Uint8Array>;
}

export interface PutArchiveOptions {
  /** Directory inside the container to extract into; it must exist. */
  path: string;
  /** The tar (optionally gzip/bzip2/xz-compressed, as Docker accepts). */
  tar: AsyncIterable<Uint8Array>;
  /** Refuse to replace a directory with a non-directory or the reverse (Docker's default). */
  noOverwriteDirNonDir?: boolean;
  /** Chown extracted entries to the container's root user (`cp -a` sends false and keeps owners). */
  copyUIDGID?: boolean;
}

/** One event of GET /events (Docker's events.Message). */
export interface EventMessage {
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local' | 'swarm';
  /** Seconds since the epoch. */
  time: number;
  /** Nanoseconds since the epoch. */
  timeNano: number;
  /** Legacy fields Docker still sends for container and image events: Action, Actor.ID, the image. */
  status?: string;
  id?: string;
  from?: string;
}

/** Options of GET /events: a window in time (seconds since the epoch, fractions allowed) and filters. */
export interface EventsOptions {
  /** Replay recorded events from this time on; without it only new events are sent. */
  since?: number;
  /** Stop at this time (after replaying recorded events up to it). */
  until?: number;
  /** type, container, image, event, label, network, volume, daemon, scope. */
  filters?: Filters;
  signal?: AbortSignal;
}

/** GET /system/df: disk use by images, containers, volumes and build cache. */
export interface DiskUsage {
  /** Bytes of all unpacked layers (each counted once). */
  LayersSize: number;
  /** With `Containers` (how many use it) and `SharedSize` (bytes in layers other images use too). */
  Images: ImageSummary[];
  /** With `SizeRw` (the writable layer) and `SizeRootFs` (with the image). */
  Containers: ContainerSummary[];
  /** Every volume with UsageData (size, and how many containers reference it). */
  Volumes: Volume[];
  BuildCache: unknown[];
}

/** Result of POST /containers/prune. */
export interface PruneReport {
  ContainersDeleted: string[];
  SpaceReclaimed: number;
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export interface WaitResponse {
  StatusCode: number;
  Error?: { Message: string } | null;
}

/**
 * A registered wait. The outer promise of `containers.wait` resolves as soon as
 * the waiter is registered (the HTTP layer then sends its headers, as Docker
 * does, so a client can start the container after); `result` settles when the
 * condition is met.
 */
export interface WaitHandle {
  result: Promise<WaitResponse>;
}

export interface LogsOptions {
  follow?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  /** Unix seconds (may be fractional). */
  since?: number;
  until?: number;
  timestamps?: boolean;
  /** Number of lines from the end, or 'all'. */
  tail?: number | 'all';
  signal?: AbortSignal;
}

export interface AttachOptions {
  stream?: boolean;
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  /** Replay the log before streaming. */
  logs?: boolean;
  detachKeys?: string;
}

export interface ResizeOptions {
  h: number;
  w: number;
}

/** A chunk of a process's output. With a TTY everything is 'stdout'. */
export interface OutputChunk {
  stream: 'stdout' | 'stderr';
  data: Uint8Array;
}

/** Output of a process, e.g. a container's log: ends when the process ends (or, for logs, when not following). */
export interface OutputStream {
  readonly tty: boolean;
  readonly output: AsyncIterable<OutputChunk>;
}

/**
 * A live connection to a process's stdio (attach, exec start). `output` ends
 * when the process's output ends or the session is closed. `write` feeds the
 * process's stdin when the session was opened with stdin; `closeStdin` sends
 * EOF. `close` detaches: the process goes on.
 */
export interface IoSession extends OutputStream {
  write(data: Uint8Array): void;
  closeStdin(): void;
  close(): void;
}

/** Body of POST /containers/{id}/exec. */
export interface ExecCreateRequest {
  AttachStdin?: boolean;
  AttachStdout?: boolean;
  AttachStderr?: boolean;
  DetachKeys?: string;
  Tty?: boolean;
  ConsoleSize?: [number, number] | null;
  Env?: string[] | null;
  Cmd: string[];
  Privileged?: boolean;
  User?: string;
  WorkingDir?: string;
}

/** Body of POST /exec/{id}/start. */
export interface ExecStartRequest {
  Detach?: boolean;
  Tty?: boolean;
  ConsoleSize?: [number, number] | null;
}

export interface ExecInspect {
  ID: string;
  ContainerID: string;
  Running: boolean;
  ExitCode: number | null;
  Pid: number;
  OpenStdin: boolean;
  OpenStdout: boolean;
  OpenStderr: boolean;
  CanRemove: boolean;
  DetachKeys: string;
  ProcessConfig: {
    tty: boolean;
    entrypoint: string;
    arguments: string[];
    privileged: boolean;
    user?: string;
  };
}

/** One row of GET /images/json. */
export interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: string[];
  RepoDigests: string[];
  Created: number;
  Size: number;
  SharedSize: number;
  VirtualSize?: number;
  Labels: Record<string, string>;
  Containers: number;
}

/** GET /images/{name}/json. */
export interface ImageInspect {
  Id: string;
  RepoTags: string[];
  RepoDigests: string[];
  Parent: string;
  Comment: string;
  Created: string;
  DockerVersion: string;
  Author: string;
  Config: ContainerConfig;
  Architecture: string;
  Os: string;
  Variant?: string;
  Size: number;
  VirtualSize?: number;
  GraphDriver: { Name: string; Data: Record<string, string> };
  RootFS: { Type: string; Layers: string[] };
  Metadata: { LastTagTime: string };
}

export interface ImageListOptions {
  all?: boolean;
  filters?: Filters;
}

/** One entry of DELETE /images/{name}. */
export interface ImageDeleteItem {
  Untagged?: string;
  Deleted?: string;
}

export interface ImageRemoveOptions {
  force?: boolean;
  noprune?: boolean;
}

/** Body of berth's extension POST /berth/images/bootstrap. */
export interface ImageBootstrapRequest {
  /** What to make: 'busybox' (from the host's busybox-static). */
  Kind: string;
  /** Name for the image; default `<kind>:latest`. */
  Tag?: string;
}

export interface VersionInfo {
  Platform: { Name: string };
  Components: { Name: string; Version: string; Details?: Record<string, string> }[];
  Version: string;
  ApiVersion: string;
  MinAPIVersion: string;
  GitCommit: string;
  GoVersion: string;
  Os: string;
  Arch: string;
  KernelVersion: string;
  BuildTime: string;
}

export interface SystemInfo {
  ID: string;
  Containers: number;
  ContainersRunning: number;
  ContainersPaused: number;
  ContainersStopped: number;
  Images: number;
  Driver: string;
  DriverStatus: [string, string][];
  MemoryLimit: boolean;
  SwapLimit: boolean;
  CpuCfsPeriod: boolean;
  CpuCfsQuota: boolean;
  PidsLimit: boolean;
  IPv4Forwarding: boolean;
  Debug: boolean;
  NFd: number;
  NGoroutines: number;
  SystemTime: string;
  LoggingDriver: string;
  CgroupDriver: string;
  CgroupVersion: string;
  NEventsListener: number;
  KernelVersion: string;
  OperatingSystem: string;
  OSType: string;
  Architecture: string;
  NCPU: number;
  MemTotal: number;
  DockerRootDir: string;
  Name: string;
  Labels: string[];
  ServerVersion: string;
  DefaultRuntime: string;
  Runtimes: Record<string, { path: string }>;
  Warnings: string[];
  SecurityOptions: string[];
  Plugins: { Volume: string[]; Network: string[]; Log: string[] };
}

/** Query of POST /build (Docker's parameter names), decoded. */
export interface ImageBuildOptions {
  /** Path of the Dockerfile inside the context (default `Dockerfile`). */
  dockerfile?: string;
  /** Names to tag the image with (`name:tag`). */
  t?: string[];
  buildargs?: Record<string, string | null>;
  target?: string;
  nocache?: boolean;
  labels?: Record<string, string>;
  /** Quiet: only the image ID is streamed. */
  q?: boolean;
  /** Accepted for compatibility: berth's RUN steps never leave a container behind. */
  rm?: boolean;
  forcerm?: boolean;
  /** Accepted; berth builds from local images (pull them first). */
  pull?: boolean;
  /** RUN network: `default`, `none` or `host` (`bridge` is `default`). */
  networkmode?: string;
  /** `host:ip` entries for RUN's /etc/hosts. */
  extrahosts?: string[];
  /** Only this host's platform can be built. */
  platform?: string;
}

/** One message of a build's JSON stream, as Docker sends them. */
export interface BuildMessage {
  stream?: string;
  aux?: { ID: string };
  error?: string;
  errorDetail?: { message: string; code?: number };
}

export interface BuildPruneOptions {
  /** Remove all cache entries (default: as Docker's, also all: berth has no internal-only entries). */
  all?: boolean;
  /** `until` (a duration such as `24h`, or a timestamp). */
  filters?: Record<string, string[]>;
  /** Keep this many bytes of the most recently used cache. */
  keepStorage?: number;
}

export interface BuildPruneResponse {
  CachesDeleted: string[];
  SpaceReclaimed: number;
}
/** A volume, as GET /volumes/{name} returns it. */
export interface Volume {
  Name: string;
  Driver: string;
  Mountpoint: string;
  /** RFC 3339. */
  CreatedAt: string;
  Labels: Record<string, string>;
  Scope: 'local';
  Options: Record<string, string>;
  /** Size in bytes and the number of containers referencing it; -1 when not computed. */
  UsageData?: { Size: number; RefCount: number } | null;
}

/** Body of POST /volumes/create. */
export interface VolumeCreateRequest {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string> | null;
  Labels?: Record<string, string> | null;
}

/** GET /volumes. */
export interface VolumeListResponse {
  Volumes: Volume[];
  Warnings: string[];
}

/** POST /volumes/prune. */
export interface VolumePruneResponse {
  VolumesDeleted: string[];
  SpaceReclaimed: number;
}

/** What `system check` found in one area of the data root (berth extension). */
export interface SystemCheckFinding {
  /** `volume`, `image`, ... */
  Kind: string;
  /** The object concerned: a volume name, an image or blob digest. */
  Name: string;
  Problem: string;
  /** Whether it was repaired in this run. */
  Repaired: boolean;
}

/** POST /berth/system/check (berth extension). */
export interface SystemCheckResponse {
  Findings: SystemCheckFinding[];
}
