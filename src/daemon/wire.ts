/**
 * The one place where concrete classes meet: opens the data root, builds the
 * core services and the local Engine over them, and recovers the containers
 * that ran while berthd was away.
 */
import { mkdir, rm } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Engine } from '../engine/engine.ts';
import { BuildCache } from '../core/build/cache.ts';
import type { Snapshotter } from '../core/snapshots/types.ts';
import { createBuildApi } from '../engine/local/build.ts';
import { createBuildRunner } from '../engine/local/build-runner.ts';
import { unmount } from '../host/mount.ts';
import { hostPlatform } from '../oci/platform.ts';
import { ContainerService, type ContainerServiceOptions } from '../engine/local/containers.ts';
import type { SeccompProfile } from '../core/containers/seccomp.ts';
import { release } from 'node:os';
import { createImagesApi, toContainerConfig } from '../engine/local/images.ts';
import { validateUlimits } from '../engine/local/container-config.ts';
import { createSystemApi } from '../engine/local/system.ts';
import { diskUsage } from '../engine/local/disk-usage.ts';
import { createVolumesApi, volumeUsage } from '../engine/local/volumes.ts';
import { VolumeService } from '../core/volumes/service.ts';
import { ContainerStore } from '../core/containers/store.ts';
import { openContentStore } from '../core/content/store.ts';
import { openDb } from '../core/db.ts';
import { createEventBus } from '../core/events/bus.ts';
import { createImageService } from '../core/images/service.ts';
import { TaskRuntime } from '../core/runtime/runtime.ts';
import { openSnapshotter } from '../core/snapshots/overlay.ts';
import { detectCgroups } from '../host/cgroups.ts';
import { boundingCaps } from '../host/caps.ts';
import { hardLimits } from '../host/rlimits.ts';
import { ALL_CAPS } from '../core/containers/spec.ts';
import { which } from '../host/exec.ts';
import { DEFAULT_POOLS, NetworkService } from '../core/network/service.ts';
import { createNetworksApi } from '../engine/local/networks.ts';
import type { Logger } from '../lib/log.ts';
import type { Digest } from '../lib/digest.ts';
import type { DaemonConfig } from './config.ts';

export interface Wired {
  engine: Engine;
  close(): Promise<void>;
}

function engineId(dataRoot: string): string {
  const file = join(dataRoot, 'engine-id');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const id = randomBytes(16).toString('hex');
  writeFileSync(file, `${id}\n`);
  return id;
}

/** The host's default seccomp profile (containers-common), if installed. */
function loadSeccomp(log: Logger): ContainerServiceOptions['seccomp'] {
  const path = '/usr/share/containers/seccomp.json';
  try {
    const profile = JSON.parse(readFileSync(path, 'utf8')) as SeccompProfile;
    const arch = process.arch === 'x64' ? 'amd64' : process.arch;
    return { profile, arch, kernel: release() };
  } catch (err) {
    log.warn('no default seccomp profile: containers run without a syscall filter', { path, err: String(err) });
    return undefined;
  }
}

function findInit(): string | undefined {
  for (const name of ['catatonit', 'tini-static', 'tini']) {
    try {
      return which(name);
    } catch {}
  }
  return undefined;
}

/** Undoes what an interrupted build left: mounts and files under build/tmp, and its `build-*` snapshots. */
async function cleanBuildDebris(root: string, snapshotter: Snapshotter): Promise<string> {
  const work = join(root, 'build', 'tmp');
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(`${work}/`))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await unmount(m).catch(() => {});
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true, mode: 0o700 });
  for (const s of await snapshotter.list()) {
    if (s.kind === 'active' && s.key.startsWith('build-')) await snapshotter.remove(s.key).catch(() => {});
  }
  return work;
}

export async function wire(config: DaemonConfig, log: Logger): Promise<Wired> {
  const root = config.dataRoot;
  await mkdir(join(root, 'containers'), { recursive: true, mode: 0o710 });
  await mkdir(config.execRoot, { recursive: true, mode: 0o700 });
  const cgroups = detectCgroups();
  for (const w of cgroups.warnings) log.warn(w);

  const db = openDb(join(root, 'berth.db'), {
    ballastPath: join(root, 'ballast'),
    onBallastReleased: () =>
      log.warn('the data root is full: released the ballast file so that records can still be written'),
  });
  const events = createEventBus();
  const store = new ContainerStore(db);
  const content = await openContentStore(root);
  const snapshotter = await openSnapshotter({ root, db });
  const images = createImageService({
    db,
    content,
    snapshotter,
    isImageInUse: (imageId) => {
      const c = store.usesImage(imageId);
      return c ? { containerId: c.id, running: c.state.status === 'running' } : undefined;
    },
  });
  const seccomp = loadSeccomp(log);
  const volumes = new VolumeService({
    dataRoot: root,
    db,
    referencedBy: (name) => store.usingVolume(name),
    events,
    log: (level, msg, fields) => log[level](msg, fields),
  });
  validateUlimits(config.defaultUlimits, hardLimits());
  const runtime = new TaskRuntime({ execRoot: config.execRoot, runtime: config.runtime });
  const network = new NetworkService({
    db,
    prefix: config.network.prefix,
    defaultBridge: config.network.bridge,
    ...(config.network.bip ? { bip: config.network.bip } : {}),
    pools: config.network.pools ?? DEFAULT_POOLS,
    log: (level, msg, fields) => log[level](msg, fields),
  });
  await network.init();
  const containers = new ContainerService({
    dataRoot: root,
    store,
    runtime,
    volumes,
    cgroups,
    defaultUlimits: config.defaultUlimits,
    initPath: findInit(),
    network,
    seccomp,
    hostCaps: boundingCaps(ALL_CAPS),
    hostLimits: hardLimits(),
    images: {
      async resolve(ref) {
        const r = await images.resolveForContainer(ref);
        return { id: r.id, config: toContainerConfig(r.config.config), chainId: r.chainId ?? '' };
      },
      commit: (opts) => images.commit(opts),
    },
    rootfs: {
      prepare: (key, parent) => snapshotter.prepare(key, parent ? (parent as Digest) : undefined),
      mounts: (key) => snapshotter.mounts(key),
      remove: (key) => snapshotter.remove(key),
      diff: (key) => snapshotter.diff(key),
      changes: (key) => snapshotter.changes(key),
      usage: (key) => snapshotter.usage(key),
    },
    events,
    log: (level, msg, fields) => log[level](msg, fields),
  });
  await containers.recover();
  await network.reconcile({
    known: new Set(store.all().map((r) => r.id)),
    running: new Set(
      store
        .all()
        .filter((r) => ['running', 'paused', 'restarting'].includes(r.state.status))
        .map((r) => r.id),
    ),
  });
  const debris = await volumes.check({ repair: false });
  if (debris.length > 0) {
    log.warn(
      'volume records and data disagree (an interrupted create, copy-up or removal): run berth system check --repair',
      {
        volumes: debris.map((f) => f.volume),
      },
    );
  }
  await containers.startByPolicy();
  const imagesApi = createImagesApi({ images, snapshotter, events });
  const volumeDeps = { volumes, usedBy: (name: string) => store.usingVolume(name) };
  const buildWork = await cleanBuildDebris(root, snapshotter);
  const buildApi = createBuildApi({
    images,
    content,
    snapshotter,
    cache: new BuildCache(db),
    runner: createBuildRunner({
      runtimePath: runtime.runtimeName,
      runtimeRoot: join(config.execRoot, 'crun'),
      bundleDir: join(config.execRoot, 'build'),
      cgroupV2: cgroups.version === '2',
      seccomp,
      hostCaps: boundingCaps(ALL_CAPS),
    }),
    workDir: buildWork,
    cacheMountDir: join(root, 'build', 'cache-mounts'),
    platform: hostPlatform(),
    log: (level, msg, fields) => log[level](msg, fields),
  });
  const engine: Engine = {
    system: createSystemApi({
      id: engineId(root),
      dataRoot: root,
      runtime: { name: runtime.runtimeName.split('/').pop() ?? 'crun', path: runtime.runtimeName },
      cgroups,
      containers: store,
      imageCount: async () => (await imagesApi.list()).length,
      debug: config.debug,
      warnings: () => network.warnings(),
      events,
      diskUsage: () =>
        diskUsage({
          containers,
          images: imagesApi,
          imageLayers: async () => (await images.list()).map((i) => ({ id: i.id, layers: i.layers })),
          volumes: () => volumeUsage(volumeDeps),
        }),
      checkers: [
        async (opts) =>
          (await volumes.check(opts)).map((f) => ({
            Kind: 'volume',
            Name: f.volume,
            Problem: f.problem,
            Repaired: f.repaired,
          })),
      ],
    }),
    containers,
    exec: containers.execApi(),
    images: imagesApi,
    networks: createNetworksApi({ network, containers, containerName: (id) => store.find(id)?.name ?? '' }),
    build: buildApi,
    volumes: createVolumesApi(volumeDeps),
  };
  return {
    engine,
    async close() {
      containers.close();
      network.close();
      db.close();
    },
  };
}
