/**
 * An in-memory Engine for the HTTP layer's unit tests: just enough behaviour
 * to exercise routes (records, states, Docker's error messages), plus hooks
 * for tests to drive streams: `exit()` ends a container (settling waits),
 * attach/exec sessions are {@link FakeSession}s whose output the test pushes
 * and whose stdin it reads. Every call is recorded in `calls`. Inspecting the
 * image `explode` throws a plain Error (to check the 500 path).
 */
import type { Engine } from '../../engine/engine.ts';
import type {
  ContainerCreateRequest,
  ContainerInspect,
  ContainerListOptions,
  ContainerSummary,
  ExecCreateRequest,
  ExecInspect,
  ImageInspect,
  ImageSummary,
  IoSession,
  NetworkInspect,
  OutputChunk,
  SystemInfo,
  VersionInfo,
  Volume,
  WaitResponse,
} from '../../engine/types.ts';
import { BerthError, conflict, notFound } from '../../lib/errors.ts';

/** A push-driven async iterable: `push` items, `end` it; iteration ends after the last item. */
export interface Channel<T> extends AsyncIterable<T> {
  push(item: T): void;
  end(): void;
  readonly ended: boolean;
}

export function createChannel<T>(): Channel<T> {
  const items: T[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  return {
    push(item) {
      if (ended) return;
      items.push(item);
      notify();
    },
    end() {
      ended = true;
      notify();
    },
    get ended() {
      return ended;
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (items.length > 0) {
          yield items.shift()!;
          continue;
        }
        if (ended) return;
        await new Promise<void>((r) => {
          wake = r;
        });
      }
    },
  };
}

/** A session a test drives: push output, read what the client wrote to stdin. */
export interface FakeSession extends IoSession {
  readonly out: Channel<OutputChunk>;
  /** Bytes the client sent to stdin, in order. */
  readonly stdin: Uint8Array[];
  stdinClosed: boolean;
  closed: boolean;
  /** Resolves when stdin receives at least `n` bytes in total. */
  stdinBytes(n: number): Promise<Uint8Array>;
  /** Resolves when the session is closed (client went away). */
  readonly whenClosed: Promise<void>;
}

export function createFakeSession(tty: boolean): FakeSession {
  const out = createChannel<OutputChunk>();
  const stdin: Uint8Array[] = [];
  const waiters: (() => void)[] = [];
  let closeResolve: () => void = () => {};
  const whenClosed = new Promise<void>((r) => {
    closeResolve = r;
  });
  const total = () => stdin.reduce((n, b) => n + b.byteLength, 0);
  const session: FakeSession = {
    tty,
    out,
    output: out,
    stdin,
    stdinClosed: false,
    closed: false,
    whenClosed,
    write(data) {
      stdin.push(new Uint8Array(data));
      for (const w of waiters.splice(0)) w();
    },
    closeStdin() {
      session.stdinClosed = true;
      for (const w of waiters.splice(0)) w();
    },
    close() {
      if (session.closed) return;
      session.closed = true;
      out.end();
      closeResolve();
    },
    async stdinBytes(n) {
      while (total() < n) await new Promise<void>((r) => waiters.push(r));
      return Buffer.concat(stdin);
    },
  };
  return session;
}

interface FakeContainer {
  id: string;
  name: string;
  body: ContainerCreateRequest;
  created: Date;
  running: boolean;
  started: boolean;
  exitCode: number;
  log: OutputChunk[];
  exitWaiters: ((r: WaitResponse) => void)[];
}

export interface FakeEngine extends Engine {
  /** Every call as [api.method, ...args]. */
  readonly calls: unknown[][];
  /** Sessions returned by attach and exec start, newest last. */
  readonly sessions: FakeSession[];
  /** Ends a running container with `code`, settling its waits. */
  exit(id: string, code: number): void;
  /** Adds a log line to a container. */
  addLog(id: string, chunk: OutputChunk): void;
}

const hex = (n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(Math.random() * 16).toString(16);
  return s;
};

function fakeImage(name: string): ImageInspect {
  return {
    Id: `sha256:${'a'.repeat(64)}`,
    RepoTags: [name],
    RepoDigests: [],
    Parent: '',
    Comment: '',
    Created: '2024-01-01T00:00:00Z',
    DockerVersion: '',
    Author: '',
    Config: { Cmd: ['sh'] },
    Architecture: 'amd64',
    Os: 'linux',
    Size: 4_000_000,
    GraphDriver: { Name: 'overlay2', Data: {} },
    RootFS: { Type: 'layers', Layers: [] },
    Metadata: { LastTagTime: '0001-01-01T00:00:00Z' },
  };
}

function fakeNetwork(name: string, id: string): NetworkInspect {
  return {
    Name: name,
    Id: id,
    Created: '2026-01-01T00:00:00Z',
    Scope: 'local',
    Driver: 'bridge',
    EnableIPv4: true,
    EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: [] },
    Internal: false,
    Attachable: false,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: {},
    Options: {},
    Labels: {},
  };
}

export function createFakeEngine(): FakeEngine {
  const calls: unknown[][] = [];
  const sessions: FakeSession[] = [];
  const containers = new Map<string, FakeContainer>();
  const images = new Map<string, ImageInspect>([['busybox:latest', fakeImage('busybox:latest')]]);
  const execs = new Map<string, { id: string; containerId: string; body: ExecCreateRequest; running: boolean }>();
  const rec = (...args: unknown[]) => calls.push(args);
  const volumes = new Map<string, Volume>();

  const find = (idOrName: string): FakeContainer => {
    const key = idOrName.replace(/^\//, '');
    for (const c of containers.values()) if (c.id === key || c.name === key || c.id.startsWith(key)) return c;
    throw notFound(`No such container: ${idOrName}`);
  };
  const networks = new Map<string, NetworkInspect>([['f'.repeat(64), fakeNetwork('bridge', 'f'.repeat(64))]]);
  const findNetwork = (ref: string): NetworkInspect => {
    for (const n of networks.values()) if (n.Id === ref || n.Name === ref || n.Id.startsWith(ref)) return n;
    throw notFound(`network ${ref} not found`);
  };
  const findImage = (name: string): ImageInspect => {
    const img = images.get(name) ?? images.get(`${name}:latest`);
    if (!img) throw notFound(`No such image: ${name}`);
    return img;
  };
  const summary = (c: FakeContainer): ContainerSummary => ({
    Id: c.id,
    Names: [`/${c.name}`],
    Image: c.body.Image ?? '',
    ImageID: `sha256:${'a'.repeat(64)}`,
    Command: [...(c.body.Entrypoint ?? []), ...(c.body.Cmd ?? ['sh'])].join(' '),
    Created: Math.floor(c.created.getTime() / 1000),
    Ports: [],
    Labels: c.body.Labels ?? {},
    State: c.running ? 'running' : c.started ? 'exited' : 'created',
    Status: c.running ? 'Up 2 seconds' : c.started ? `Exited (${c.exitCode}) 1 second ago` : 'Created',
    HostConfig: { NetworkMode: 'none' },
    NetworkSettings: { Networks: {} },
    Mounts: [],
  });
  const inspect = (c: FakeContainer): ContainerInspect => ({
    Id: c.id,
    Created: c.created.toISOString(),
    Path: c.body.Cmd?.[0] ?? 'sh',
    Args: c.body.Cmd?.slice(1) ?? [],
    State: {
      Status: c.running ? 'running' : 'exited',
      Running: c.running,
      Paused: false,
      Restarting: false,
      OOMKilled: false,
      Dead: false,
      Pid: c.running ? 4242 : 0,
      ExitCode: c.exitCode,
      Error: '',
      StartedAt: c.created.toISOString(),
      FinishedAt: '0001-01-01T00:00:00Z',
    },
    Image: `sha256:${'a'.repeat(64)}`,
    ResolvConfPath: '',
    HostnamePath: '',
    HostsPath: '',
    LogPath: '',
    Name: `/${c.name}`,
    RestartCount: 0,
    Driver: 'overlay2',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: c.body.HostConfig ?? {},
    GraphDriver: { Name: 'overlay2', Data: {} },
    Mounts: [],
    Config: { ...c.body, Tty: c.body.Tty ?? false },
    NetworkSettings: {
      Bridge: '',
      SandboxID: '',
      SandboxKey: '',
      Ports: {},
      IPAddress: '',
      IPPrefixLen: 0,
      Gateway: '',
      MacAddress: '',
      Networks: {},
    },
  });

  const engine: FakeEngine = {
    calls,
    sessions,
    exit(id, code) {
      const c = find(id);
      c.running = false;
      c.exitCode = code;
      for (const w of c.exitWaiters.splice(0)) w({ StatusCode: code, Error: null });
    },
    addLog(id, chunk) {
      find(id).log.push(chunk);
    },
    system: {
      async ping() {},
      async check(opts) {
        rec('system.check', opts);
        return { Findings: [] };
      },
      async version(): Promise<VersionInfo> {
        return {
          Platform: { Name: 'berth' },
          Components: [
            {
              Name: 'Engine',
              Version: '0.1.0',
              Details: {
                ApiVersion: '1.0',
                MinAPIVersion: '1.0',
                GitCommit: 'fake',
                GoVersion: 'node-v26',
                Os: 'linux',
                Arch: 'amd64',
                KernelVersion: '6.1.0',
                Experimental: 'false',
                BuildTime: '2026-01-01T00:00:00.000000000+00:00',
              },
            },
          ],
          Version: '0.1.0',
          ApiVersion: '1.0',
          MinAPIVersion: '1.0',
          GitCommit: 'fake',
          GoVersion: 'node-v26',
          Os: 'linux',
          Arch: 'amd64',
          KernelVersion: '6.1.0',
          BuildTime: '2026-01-01T00:00:00.000000000+00:00',
        };
      },
      async info(): Promise<SystemInfo> {
        const all = [...containers.values()];
        const running = all.filter((c) => c.running).length;
        return {
          ID: 'FAKE:ENGINE',
          Containers: all.length,
          ContainersRunning: running,
          ContainersPaused: 0,
          ContainersStopped: all.length - running,
          Images: images.size,
          Driver: 'overlay2',
          DriverStatus: [['Backing Filesystem', 'extfs']],
          MemoryLimit: true,
          SwapLimit: true,
          CpuCfsPeriod: true,
          CpuCfsQuota: true,
          PidsLimit: true,
          IPv4Forwarding: true,
          Debug: false,
          NFd: 10,
          NGoroutines: 1,
          SystemTime: new Date().toISOString(),
          LoggingDriver: 'json-file',
          CgroupDriver: 'cgroupfs',
          CgroupVersion: '2',
          NEventsListener: 0,
          KernelVersion: '6.1.0',
          OperatingSystem: 'Fake OS',
          OSType: 'linux',
          Architecture: 'x86_64',
          NCPU: 2,
          MemTotal: 2_000_000_000,
          DockerRootDir: '/var/lib/berth',
          Name: 'fakehost',
          Labels: [],
          ServerVersion: '0.1.0',
          DefaultRuntime: 'crun',
          Runtimes: { crun: { path: 'crun' } },
          Warnings: [],
          SecurityOptions: ['name=seccomp,profile=builtin'],
          Plugins: { Volume: ['local'], Network: ['bridge'], Log: ['json-file'] },
        };
      },
      async df() {
        rec('system.df');
        return { LayersSize: 0, Images: [], Containers: [], Volumes: [], BuildCache: [] };
      },
      async events(opts) {
        rec('system.events', opts);
        return (async function* () {})();
      },
    },
    containers: {
      async create(body, opts) {
        rec('containers.create', body, opts);
        if (body.Image === undefined || body.Image === '') throw new BerthError('invalid-argument', 'no image');
        findImage(body.Image);
        const name = (opts?.name ?? `fake_${hex(6)}`).replace(/^\//, '');
        for (const c of containers.values()) {
          if (c.name === name) {
            throw conflict(
              `Conflict. The container name "/${name}" is already in use by container "${c.id}". You have to remove (or rename) that container to be able to reuse that name.`,
            );
          }
        }
        const id = hex(64);
        containers.set(id, {
          id,
          name,
          body,
          created: new Date(),
          running: false,
          started: false,
          exitCode: 0,
          log: [],
          exitWaiters: [],
        });
        return { Id: id, Warnings: [] };
      },
      async list(opts: ContainerListOptions = {}) {
        rec('containers.list', opts);
        let rows = [...containers.values()].filter((c) => opts.all || c.running).map(summary);
        const names = opts.filters?.name;
        if (names) rows = rows.filter((r) => names.some((n) => r.Names.some((x) => x.includes(n))));
        if (opts.limit !== undefined) rows = rows.slice(0, opts.limit);
        return rows;
      },
      async inspect(id) {
        rec('containers.inspect', id);
        return inspect(find(id));
      },
      async start(id) {
        rec('containers.start', id);
        const c = find(id);
        if (c.running) throw new BerthError('not-modified', 'container already started');
        c.running = true;
        c.started = true;
      },
      async stop(id, opts) {
        rec('containers.stop', id, opts);
        const c = find(id);
        if (!c.running) throw new BerthError('not-modified', 'container already stopped');
        engine.exit(id, 143);
      },
      async restart(id, opts) {
        rec('containers.restart', id, opts);
        const c = find(id);
        c.running = true;
        c.started = true;
      },
      async kill(id, opts) {
        rec('containers.kill', id, opts);
        const c = find(id);
        if (!c.running) throw conflict(`Cannot kill container: ${id}: Container ${c.id} is not running`);
        engine.exit(id, 137);
      },
      async remove(id, opts) {
        rec('containers.remove', id, opts);
        const c = find(id);
        if (c.running && !opts?.force) {
          throw conflict(
            `cannot remove container "/${c.name}": container is running: stop the container before removing or force remove`,
          );
        }
        containers.delete(c.id);
      },
      async rename(id, name) {
        rec('containers.rename', id, name);
        find(id).name = name;
      },
      async changes(id) {
        rec('containers.changes', id);
        find(id);
        return [];
      },
      async statPath(id, path) {
        rec('containers.statPath', id, path);
        find(id);
        return {
          name: path.split('/').pop() ?? '',
          size: 0,
          mode: 2 ** 31 + 0o755,
          mtime: new Date(0).toISOString(),
          linkTarget: '',
        };
      },
      async getArchive(id, path) {
        rec('containers.getArchive', id, path);
        find(id);
        return { stat: await engine.containers.statPath(id, path), tar: (async function* () {})() };
      },
      async putArchive(id, opts) {
        rec('containers.putArchive', id, opts.path);
        find(id);
        for await (const _ of opts.tar) {
        }
      },
      async export(id) {
        rec('containers.export', id);
        find(id);
        return (async function* () {})();
      },
      async prune(opts) {
        rec('containers.prune', opts);
        return { ContainersDeleted: [], SpaceReclaimed: 0 };
      },
      async commit(id, opts) {
        rec('containers.commit', id, opts);
        find(id);
        return { Id: `sha256:${hex(64)}` };
      },
      async wait(id, opts) {
        rec('containers.wait', id, opts);
        const c = find(id);
        if (!c.running && (opts?.condition ?? 'not-running') === 'not-running') {
          return { result: Promise.resolve({ StatusCode: c.exitCode, Error: null }) };
        }
        return { result: new Promise<WaitResponse>((resolve) => c.exitWaiters.push(resolve)) };
      },
      async logs(id, opts) {
        rec('containers.logs', id, opts);
        const c = find(id);
        const tty = c.body.Tty ?? false;
        const ch = createChannel<OutputChunk>();
        for (const chunk of c.log) {
          if ((chunk.stream === 'stdout' && opts?.stdout) || (chunk.stream === 'stderr' && opts?.stderr))
            ch.push(chunk);
        }
        if (!opts?.follow) ch.end();
        opts?.signal?.addEventListener('abort', () => ch.end());
        return { tty, output: ch };
      },
      async attach(id, opts) {
        rec('containers.attach', id, opts);
        const c = find(id);
        const s = createFakeSession(c.body.Tty ?? false);
        sessions.push(s);
        return s;
      },
      async resize(id, opts) {
        rec('containers.resize', id, opts);
        find(id);
      },
      async ports(id, body) {
        rec('containers.ports', id, body);
        find(id);
        return {};
      },
      async update(id, body) {
        rec('containers.update', id, body);
        find(id);
        return { Warnings: [] };
      },
      async pause(id) {
        rec('containers.pause', id);
        const c = find(id);
        if (!c.running) throw conflict(`Container ${c.id} is not running`);
      },
      async unpause(id) {
        rec('containers.unpause', id);
        find(id);
      },
      async top(id, opts) {
        rec('containers.top', id, opts);
        const c = find(id);
        if (!c.running) throw conflict(`Container ${c.id} is not running`);
        return { Titles: ['UID', 'PID', 'CMD'], Processes: [['root', '1', 'sleep 60']] };
      },
      async stats(id, opts) {
        rec('containers.stats', id, opts);
        const c = find(id);
        const cpu = {
          cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
          throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
        };
        const none = null;
        const sample = {
          name: `/${c.name}`,
          id: c.id,
          read: new Date().toISOString(),
          preread: '0001-01-01T00:00:00Z',
          pids_stats: { current: 1 },
          blkio_stats: {
            io_service_bytes_recursive: none,
            io_serviced_recursive: none,
            io_queue_recursive: none,
            io_service_time_recursive: none,
            io_wait_time_recursive: none,
            io_merged_recursive: none,
            io_time_recursive: none,
            sectors_recursive: none,
          },
          num_procs: 0,
          storage_stats: {},
          cpu_stats: cpu,
          precpu_stats: cpu,
          memory_stats: { usage: 1024, limit: 1 << 30, stats: {} },
        };
        return (async function* () {
          yield sample;
        })();
      },
    },
    exec: {
      async create(containerId, body) {
        rec('exec.create', containerId, body);
        const c = find(containerId);
        if (!c.running) throw conflict(`container ${c.id} is not running`);
        const id = hex(64);
        execs.set(id, { id, containerId: c.id, body, running: false });
        return { Id: id };
      },
      async start(execId, body) {
        rec('exec.start', execId, body);
        const e = execs.get(execId);
        if (!e) throw notFound(`No such exec instance: ${execId}`);
        e.running = true;
        if (body?.Detach) return null;
        const s = createFakeSession(e.body.Tty ?? false);
        sessions.push(s);
        return s;
      },
      async inspect(execId): Promise<ExecInspect> {
        rec('exec.inspect', execId);
        const e = execs.get(execId);
        if (!e) throw notFound(`No such exec instance: ${execId}`);
        return {
          ID: e.id,
          ContainerID: e.containerId,
          Running: e.running,
          ExitCode: null,
          Pid: 0,
          OpenStdin: e.body.AttachStdin ?? false,
          OpenStdout: e.body.AttachStdout ?? false,
          OpenStderr: e.body.AttachStderr ?? false,
          CanRemove: false,
          DetachKeys: '',
          ProcessConfig: {
            tty: e.body.Tty ?? false,
            entrypoint: e.body.Cmd[0] ?? '',
            arguments: e.body.Cmd.slice(1),
            privileged: false,
          },
        };
      },
      async resize(execId, opts) {
        rec('exec.resize', execId, opts);
        if (!execs.has(execId)) throw notFound(`No such exec instance: ${execId}`);
      },
    },
    images: {
      async list(opts) {
        rec('images.list', opts);
        return [...images.values()].map(
          (i): ImageSummary => ({
            Id: i.Id,
            ParentId: '',
            RepoTags: i.RepoTags,
            RepoDigests: [],
            Created: 1_700_000_000,
            Size: i.Size,
            SharedSize: -1,
            Labels: {},
            Containers: -1,
          }),
        );
      },
      async inspect(name) {
        rec('images.inspect', name);
        if (name === 'explode') throw new Error('kaboom: not a BerthError');
        return findImage(name);
      },
      async tag(name, repo, tag) {
        rec('images.tag', name, repo, tag);
        const img = findImage(name);
        const ref = `${repo}:${tag ?? 'latest'}`;
        images.set(ref, { ...img, RepoTags: [ref] });
      },
      async remove(name, opts) {
        rec('images.remove', name, opts);
        findImage(name);
        images.delete(name);
        return [{ Untagged: name }];
      },
      async bootstrap(body) {
        rec('images.bootstrap', body);
        const tag = body.Tag ?? `${body.Kind}:latest`;
        const img = fakeImage(tag);
        images.set(tag, img);
        return img;
      },
    },
    networks: {
      async list(opts) {
        rec('networks.list', opts);
        return [...networks.values()];
      },
      async inspect(id) {
        rec('networks.inspect', id);
        return findNetwork(id);
      },
      async create(body) {
        rec('networks.create', body);
        if ([...networks.values()].some((n) => n.Name === body.Name)) {
          throw new BerthError('already-exists', `network with name ${body.Name} already exists`);
        }
        const n = fakeNetwork(body.Name, `${(networks.size + 1).toString(16).padStart(2, '0')}${'a'.repeat(62)}`);
        networks.set(n.Id, n);
        return { Id: n.Id, Warning: '' };
      },
      async remove(id) {
        rec('networks.remove', id);
        networks.delete(findNetwork(id).Id);
      },
      async prune(opts) {
        rec('networks.prune', opts);
        return { NetworksDeleted: [] };
      },
      async connect(id, body) {
        rec('networks.connect', id, body);
        findNetwork(id);
        find(body.Container);
      },
      async disconnect(id, body) {
        rec('networks.disconnect', id, body);
        findNetwork(id);
        find(body.Container);
      },
    },
    build: {
      async build(context, opts) {
        // Reads the whole context (as berthd does) and reports its size: enough for the route tests.
        let bytes = 0;
        for await (const c of context) bytes += c.byteLength;
        rec('build.build', opts, bytes);
        if (opts.target === 'fail') {
          return (async function* () {
            yield { stream: 'Step 1/1 : RUN false\n' };
            yield { errorDetail: { message: 'boom' }, error: 'boom' };
          })();
        }
        return (async function* () {
          yield { stream: `context ${bytes} bytes\n` };
          yield { aux: { ID: 'sha256:feed' } };
        })();
      },
      async prune(opts) {
        rec('build.prune', opts);
        return { CachesDeleted: [], SpaceReclaimed: 0 };
      },
    },
    volumes: {
      async list(opts) {
        rec('volumes.list', opts);
        return { Volumes: [...volumes.values()], Warnings: [] };
      },
      async create(body) {
        rec('volumes.create', body);
        const name = body.Name || hex(64);
        const existing = volumes.get(name);
        if (existing) return existing;
        const v: Volume = {
          Name: name,
          Driver: body.Driver || 'local',
          Mountpoint: `/var/lib/berth/volumes/${name}/_data`,
          CreatedAt: '2024-01-01T00:00:00Z',
          Labels: body.Labels ?? {},
          Scope: 'local',
          Options: body.DriverOpts ?? {},
        };
        volumes.set(name, v);
        return v;
      },
      async inspect(name) {
        rec('volumes.inspect', name);
        const v = volumes.get(name);
        if (!v) throw notFound(`get ${name}: no such volume`);
        return { ...v, UsageData: { Size: 0, RefCount: 0 } };
      },
      async remove(name, opts) {
        rec('volumes.remove', name, opts);
        if (!volumes.delete(name) && !opts?.force) throw notFound(`get ${name}: no such volume`);
      },
      async prune(opts) {
        rec('volumes.prune', opts);
        const all = (opts?.filters?.all ?? []).includes('true');
        const gone = [...volumes.values()].filter((v) => all || 'com.docker.volume.anonymous' in v.Labels);
        for (const v of gone) volumes.delete(v.Name);
        return { VolumesDeleted: gone.map((v) => v.Name), SpaceReclaimed: 0 };
      },
    },
  };
  return engine;
}
