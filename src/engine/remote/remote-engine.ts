/**
 * The Engine over HTTP to berthd: each method is one Docker Engine API call
 * (two when a daemon older than API 1.42 leaves a stream's TTY setting to be
 * looked up), sent the way the docker CLI sends it. No behaviour of its own:
 * defaults and validation are the daemon's.
 */
import { BerthError } from '../../lib/errors.ts';
import type {
  BuildApi,
  ContainersApi,
  Engine,
  ExecApi,
  ImagesApi,
  NetworksApi,
  SystemApi,
  VolumesApi,
} from '../engine.ts';
import type {
  BuildMessage,
  BuildPruneResponse,
  ContainerCreateResponse,
  ContainerInspect,
  ContainerChange,
  ContainerStats,
  ContainerSummary,
  ContainerTop,
  ContainerUpdateResponse,
  DiskUsage,
  EventMessage,
  ExecInspect,
  Filters,
  ImageDeleteItem,
  ImageInspect,
  ImageSummary,
  NetworkCreateResponse,
  NetworkInspect,
  NetworkPruneResponse,
  PathStat,
  PruneReport,
  SystemCheckResponse,
  SystemInfo,
  VersionInfo,
  Volume,
  VolumeListResponse,
  VolumePruneResponse,
  WaitResponse,
} from '../types.ts';
import {
  createTransport,
  DEFAULT_HOST,
  pathSegment as seg,
  readJson,
  streamError,
  type Transport,
} from './transport.ts';

/** The stream decoders, imported by the calls that stream (start-up time is per module). */
const streams = () => import('./streams.ts');

/** The Content-Types of attach and logs streams (API 1.42+): stdcopy frames, or a TTY's raw bytes. */
const MULTIPLEXED_STREAM = 'application/vnd.docker.multiplexed-stream';
const RAW_STREAM = 'application/vnd.docker.raw-stream';

/** Options of {@link createRemoteEngine}. */
export interface RemoteEngineOptions {
  /** `unix:///path`, a bare socket path, or `tcp://host:port`; default unix:///run/berth/berth.sock. */
  host?: string;
}

/**
 * An Engine whose calls go to berthd. Holds a keep-alive connection pool:
 * `close()` drops idle connections (they never keep a process alive).
 */
export interface RemoteEngine extends Engine {
  /** The daemon address, as printed in messages (`unix:///run/berth/berth.sock`). */
  readonly host: string;
  close(): void;
}

export function createRemoteEngine(opts: RemoteEngineOptions = {}): RemoteEngine {
  const t = createTransport(opts.host ?? DEFAULT_HOST);

  async function call(o: Parameters<Transport['request']>[0]): Promise<void> {
    const res = await t.request(o);
    res.discard();
  }
  async function json<T>(o: Parameters<Transport['request']>[0]): Promise<T> {
    const res = await t.request(o);
    return readJson<T>(res);
  }
  /**
   * Whether a stream is a TTY's raw bytes: the daemon says so in its
   * Content-Type (API 1.42+); without one, the container's config does.
   */
  async function isTty(id: string, contentType: string | undefined): Promise<boolean> {
    const type = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
    if (type === MULTIPLEXED_STREAM) return false;
    if (type === RAW_STREAM) return true;
    return (await inspect(id)).Config.Tty === true;
  }

  const system: SystemApi = {
    df: () => json<DiskUsage>({ method: 'GET', path: '/system/df' }),
    async events(o = {}) {
      const res = await t.request({
        method: 'GET',
        path: '/events',
        query: {
          since: o.since === undefined ? undefined : formatTimestamp(o.since),
          until: o.until === undefined ? undefined : formatTimestamp(o.until),
          filters: encodeFilters(o.filters),
        },
        signal: o.signal,
      });
      const { jsonLines } = await streams();
      return jsonLines<EventMessage>(res.stream());
    },
    ping: async () => {
      const res = await t.request({ method: 'GET', path: '/_ping', versioned: false });
      await res.bytes();
    },
    version: () => json<VersionInfo>({ method: 'GET', path: '/version' }),
    info: () => json<SystemInfo>({ method: 'GET', path: '/info' }),
    check: (o = {}) =>
      json<SystemCheckResponse>({ method: 'POST', path: '/berth/system/check', query: { repair: o.repair } }),
  };

  const inspect = (id: string) => json<ContainerInspect>({ method: 'GET', path: `/containers/${seg(id)}/json` });

  const containers: ContainersApi = {
    create: (body, o) =>
      json<ContainerCreateResponse>({ method: 'POST', path: '/containers/create', query: { name: o?.name }, body }),
    list: (o = {}) =>
      json<ContainerSummary[]>({
        method: 'GET',
        path: '/containers/json',
        query: { all: o.all, limit: o.limit, size: o.size, filters: encodeFilters(o.filters) },
      }),
    inspect,
    start: (id) => call({ method: 'POST', path: `/containers/${seg(id)}/start` }),
    stop: (id, o = {}) =>
      call({ method: 'POST', path: `/containers/${seg(id)}/stop`, query: { t: o.t, signal: o.signal } }),
    restart: (id, o = {}) =>
      call({ method: 'POST', path: `/containers/${seg(id)}/restart`, query: { t: o.t, signal: o.signal } }),
    kill: (id, o = {}) => call({ method: 'POST', path: `/containers/${seg(id)}/kill`, query: { signal: o.signal } }),
    remove: (id, o = {}) =>
      call({ method: 'DELETE', path: `/containers/${seg(id)}`, query: { force: o.force, v: o.v } }),
    async wait(id, o = {}) {
      const res = await t.request({
        method: 'POST',
        path: `/containers/${seg(id)}/wait`,
        query: { condition: o.condition },
      });
      const result = res.bytes().then(
        (buf) => {
          const text = buf.toString('utf8').trim();
          if (text === '') throw streamError(new Error('unexpected EOF'), 'error waiting for container');
          try {
            return JSON.parse(text) as WaitResponse;
          } catch (err) {
            throw new BerthError('internal', `invalid wait response from the daemon: ${text.slice(0, 200)}`, {
              cause: err,
            });
          }
        },
        (err: unknown) => {
          throw streamError(err, 'error waiting for container');
        },
      );
      // A caller that never looks at the result must not crash the process.
      result.catch(() => {});
      return { result };
    },
    async logs(id, o = {}) {
      const res = await t.request({
        method: 'GET',
        path: `/containers/${seg(id)}/logs`,
        query: {
          follow: o.follow,
          stdout: o.stdout,
          stderr: o.stderr,
          since: o.since === undefined ? undefined : formatTimestamp(o.since),
          until: o.until === undefined ? undefined : formatTimestamp(o.until),
          timestamps: o.timestamps,
          tail: o.tail,
        },
        signal: o.signal,
      });
      let tty: boolean;
      try {
        tty = await isTty(id, res.headers['content-type']);
      } catch (err) {
        res.discard();
        throw err;
      }
      const { outputStream } = await streams();
      return outputStream({ source: res.stream(), tty, signal: o.signal });
    },
    async attach(id, o = {}) {
      const conn = await t.hijack({
        method: 'POST',
        path: `/containers/${seg(id)}/attach`,
        query: {
          stream: o.stream,
          stdin: o.stdin,
          stdout: o.stdout,
          stderr: o.stderr,
          logs: o.logs,
          detachKeys: o.detachKeys,
        },
      });
      let tty: boolean;
      try {
        tty = await isTty(id, conn.contentType);
      } catch (err) {
        conn.socket.destroy();
        throw err;
      }
      const { ioSession } = await streams();
      return ioSession({ ...conn, tty });
    },
    resize: (id, o) => call({ method: 'POST', path: `/containers/${seg(id)}/resize`, query: { h: o.h, w: o.w } }),
    rename: (id, name) => call({ method: 'POST', path: `/containers/${seg(id)}/rename`, query: { name } }),
    changes: async (id) =>
      (await json<ContainerChange[] | null>({ method: 'GET', path: `/containers/${seg(id)}/changes` })) ?? [],
    async statPath(id, path) {
      const res = await t.request({ method: 'HEAD', path: `/containers/${seg(id)}/archive`, query: { path } });
      res.discard();
      return decodePathStat(res.headers['x-docker-container-path-stat']);
    },
    async getArchive(id, path) {
      const res = await t.request({ method: 'GET', path: `/containers/${seg(id)}/archive`, query: { path } });
      return { stat: decodePathStat(res.headers['x-docker-container-path-stat']), tar: res.stream() };
    },
    putArchive: (id, o) =>
      call({
        method: 'PUT',
        path: `/containers/${seg(id)}/archive`,
        query: {
          path: o.path,
          noOverwriteDirNonDir: o.noOverwriteDirNonDir,
          copyUIDGID: o.copyUIDGID,
        },
        upload: { contentType: 'application/x-tar', data: o.tar },
      }),
    async export(id) {
      const res = await t.request({ method: 'GET', path: `/containers/${seg(id)}/export` });
      return res.stream();
    },
    prune: (o = {}) =>
      json<PruneReport>({ method: 'POST', path: '/containers/prune', query: { filters: encodeFilters(o.filters) } }),
    update: (id, body) =>
      json<ContainerUpdateResponse>({ method: 'POST', path: `/containers/${seg(id)}/update`, body }),
    pause: (id) => call({ method: 'POST', path: `/containers/${seg(id)}/pause` }),
    unpause: (id) => call({ method: 'POST', path: `/containers/${seg(id)}/unpause` }),
    top: (id, o = {}) =>
      json<ContainerTop>({ method: 'GET', path: `/containers/${seg(id)}/top`, query: { ps_args: o.psArgs } }),
    async stats(id, o = {}) {
      const res = await t.request({
        method: 'GET',
        path: `/containers/${seg(id)}/stats`,
        query: { stream: o.stream !== false, 'one-shot': o.oneShot },
        signal: o.signal,
      });
      const { jsonLines } = await streams();
      return jsonLines<ContainerStats>(res.stream());
    },
    commit: (id, o = {}) =>
      json<{ Id: string }>({
        method: 'POST',
        path: '/commit',
        query: {
          container: id,
          repo: o.repo,
          tag: o.tag,
          comment: o.comment,
          author: o.author,
          pause: o.pause === false ? '0' : undefined,
          // One value holding every line: a daemon parses the `changes` values as Dockerfile lines either way.
          changes: o.changes?.length ? o.changes.join('\n') : undefined,
        },
        body: o.config ?? {},
      }),
    ports: (id, body) =>
      json<ContainerInspect['NetworkSettings']['Ports']>({
        method: 'POST',
        path: `/containers/${seg(id)}/ports`,
        body,
      }),
  };

  const exec: ExecApi = {
    create: (containerId, body) =>
      json<{ Id: string }>({ method: 'POST', path: `/containers/${seg(containerId)}/exec`, body }),
    async start(execId, body = {}) {
      const path = `/exec/${seg(execId)}/start`;
      const request = { Detach: body.Detach === true, Tty: body.Tty === true, ConsoleSize: body.ConsoleSize };
      if (body.Detach === true) {
        await call({ method: 'POST', path, body: request });
        return null;
      }
      const conn = await t.hijack({ method: 'POST', path, body: request });
      const { ioSession } = await streams();
      return ioSession({ ...conn, tty: body.Tty === true });
    },
    inspect: (execId) => json<ExecInspect>({ method: 'GET', path: `/exec/${seg(execId)}/json` }),
    resize: (execId, o) => call({ method: 'POST', path: `/exec/${seg(execId)}/resize`, query: { h: o.h, w: o.w } }),
  };

  const images: ImagesApi = {
    list: (o = {}) =>
      json<ImageSummary[]>({
        method: 'GET',
        path: '/images/json',
        query: { all: o.all, filters: encodeFilters(o.filters) },
      }),
    inspect: (name) => json<ImageInspect>({ method: 'GET', path: `/images/${seg(name)}/json` }),
    tag: (name, repo, tag) => call({ method: 'POST', path: `/images/${seg(name)}/tag`, query: { repo, tag } }),
    async remove(name, o = {}) {
      const res = await t.request({
        method: 'DELETE',
        path: `/images/${seg(name)}`,
        query: { force: o.force, noprune: o.noprune },
      });
      const text = (await res.bytes()).toString('utf8').trim();
      return text === '' ? [] : (JSON.parse(text) as ImageDeleteItem[]);
    },
    bootstrap: (body) => json<ImageInspect>({ method: 'POST', path: '/berth/images/bootstrap', body }),
  };

  const networks: NetworksApi = {
    list: (o = {}) =>
      json<NetworkInspect[]>({ method: 'GET', path: '/networks', query: { filters: encodeFilters(o.filters) } }),
    inspect: (id) => json<NetworkInspect>({ method: 'GET', path: `/networks/${seg(id)}` }),
    create: (body) => json<NetworkCreateResponse>({ method: 'POST', path: '/networks/create', body }),
    remove: (id) => call({ method: 'DELETE', path: `/networks/${seg(id)}` }),
    prune: (o = {}) =>
      json<NetworkPruneResponse>({
        method: 'POST',
        path: '/networks/prune',
        query: { filters: encodeFilters(o.filters) },
      }),
    connect: (id, body) => call({ method: 'POST', path: `/networks/${seg(id)}/connect`, body }),
    disconnect: (id, body) => call({ method: 'POST', path: `/networks/${seg(id)}/disconnect`, body }),
  };

  const build: BuildApi = {
    async build(context, o, signal) {
      const res = await t.request({
        method: 'POST',
        path: '/build',
        query: {
          dockerfile: o.dockerfile,
          t: o.t,
          buildargs: o.buildargs && Object.keys(o.buildargs).length > 0 ? JSON.stringify(o.buildargs) : undefined,
          target: o.target,
          nocache: o.nocache,
          labels: o.labels && Object.keys(o.labels).length > 0 ? JSON.stringify(o.labels) : undefined,
          q: o.q,
          rm: o.rm,
          forcerm: o.forcerm,
          pull: o.pull,
          networkmode: o.networkmode,
          extrahosts: o.extrahosts && o.extrahosts.length > 0 ? o.extrahosts.join(',') : undefined,
          platform: o.platform,
        },
        upload: { contentType: 'application/x-tar', data: context },
        ...(signal ? { signal } : {}),
      });
      return jsonLines<BuildMessage>(res.stream());
    },
    prune: (o = {}) =>
      json<BuildPruneResponse>({
        method: 'POST',
        path: '/build/prune',
        query: {
          all: o.all,
          filters: encodeFilters(o.filters),
          'keep-storage': o.keepStorage,
        },
      }),
  };

  const volumes: VolumesApi = {
    list: (o = {}) =>
      json<VolumeListResponse>({ method: 'GET', path: '/volumes', query: { filters: encodeFilters(o.filters) } }),
    create: (body) => json<Volume>({ method: 'POST', path: '/volumes/create', body }),
    inspect: (name) => json<Volume>({ method: 'GET', path: `/volumes/${seg(name)}` }),
    remove: (name, o = {}) => call({ method: 'DELETE', path: `/volumes/${seg(name)}`, query: { force: o.force } }),
    prune: (o = {}) =>
      json<VolumePruneResponse>({
        method: 'POST',
        path: '/volumes/prune',
        query: { filters: encodeFilters(o.filters) },
      }),
  };

  return {
    host: t.address.display,
    system,
    containers,
    exec,
    images,
    volumes,
    build,
    networks,
    close: () => t.close(),
  };
}

/** Parses a stream of JSON values, one per line (Docker's progress streams). */
async function* jsonLines<T>(body: AsyncIterable<Uint8Array>): AsyncGenerator<T> {
  const dec = new TextDecoder();
  let buf = '';
  for await (const chunk of body) {
    buf += dec.decode(chunk, { stream: true });
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
      const line = buf.slice(0, i).trim();
      buf = buf.slice(i + 1);
      if (line !== '') yield JSON.parse(line) as T;
    }
  }
  if (buf.trim() !== '') yield JSON.parse(buf) as T;
}

/** Filters as the docker CLI sends them: `{"name":{"web":true}}`; undefined when empty. */
export function encodeFilters(filters: Filters | undefined): string | undefined {
  if (filters === undefined) return undefined;
  const out: Record<string, Record<string, true>> = {};
  for (const [key, values] of Object.entries(filters)) {
    if (values.length === 0) continue;
    out[key] = Object.fromEntries(values.map((v) => [v, true] as const));
  }
  return Object.keys(out).length === 0 ? undefined : JSON.stringify(out);
}

/** Unix seconds as Docker's `seconds.nanoseconds` timestamp parameter. */
export function formatTimestamp(seconds: number): string {
  if (!Number.isFinite(seconds)) throw new BerthError('invalid-argument', `invalid timestamp: ${seconds}`);
  let whole = Math.floor(seconds);
  let nanos = Math.round((seconds - whole) * 1e9);
  if (nanos >= 1e9) {
    whole += 1;
    nanos -= 1e9;
  }
  return `${whole}.${String(nanos).padStart(9, '0')}`;
}

/** The X-Docker-Container-Path-Stat header: base64 of the stat's JSON. */
export function decodePathStat(header: string | undefined): PathStat {
  if (!header) throw new BerthError('internal', 'the daemon sent no X-Docker-Container-Path-Stat header');
  try {
    return JSON.parse(Buffer.from(header, 'base64').toString('utf8')) as PathStat;
  } catch (err) {
    throw new BerthError('internal', 'invalid X-Docker-Container-Path-Stat header from the daemon', { cause: err });
  }
}
