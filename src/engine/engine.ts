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
  AttachOptions,
  BuildMessage,
  BuildPruneOptions,
  BuildPruneResponse,
  CommitOptions,
  ContainerCreateRequest,
  ContainerCreateResponse,
  ContainerInspect,
  ContainerListOptions,
  ContainerSummary,
  ExecCreateRequest,
  ExecInspect,
  ExecStartRequest,
  ImageBootstrapRequest,
  ImageBuildOptions,
  ImageDeleteItem,
  ImageInspect,
  ImageListOptions,
  ImageRemoveOptions,
  ImageSummary,
  IoSession,
  LogsOptions,
  OutputStream,
  RemoveOptions,
  ResizeOptions,
  StopOptions,
  SystemInfo,
  VersionInfo,
  WaitCondition,
  WaitHandle,
} from './types.ts';

export interface SystemApi {
  ping(): Promise<void>;
  version(): Promise<VersionInfo>;
  info(): Promise<SystemInfo>;
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
  /**
   * Makes an image of the container's filesystem changes (one new layer on
   * its image) and config, with `changes` applied; pauses a running
   * container while its changes are read unless `pause` is false.
   */
  commit(id: string, opts?: CommitOptions): Promise<{ Id: string }>;
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
  build(context: AsyncIterable<Uint8Array>, opts: ImageBuildOptions): Promise<AsyncIterable<BuildMessage>>;
  /** `builder prune`: removes build cache entries and the layers only they kept. */
  prune(opts?: BuildPruneOptions): Promise<BuildPruneResponse>;
}

export interface Engine {
  readonly system: SystemApi;
  readonly containers: ContainersApi;
  readonly exec: ExecApi;
  readonly images: ImagesApi;
  readonly build: BuildApi;
}
