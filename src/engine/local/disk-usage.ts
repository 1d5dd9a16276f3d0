/**
 * `system df`: disk use as Docker reports it. Layers are counted once however
 * many images share them; an image's SharedSize is the part of it other
 * images also use; a container's SizeRw is its writable layer, SizeRootFs
 * that plus its image. Volumes and build cache come from their modules (empty
 * until they report).
 */
import type { ContainersApi, ImagesApi } from '../engine.ts';
import type { DiskUsage, Volume } from '../types.ts';

export interface DiskUsageDeps {
  containers: Pick<ContainersApi, 'list'>;
  images: Pick<ImagesApi, 'list'>;
  /** Every image's layer stacks (chainID and unpacked size), bottom first. */
  imageLayers(): Promise<{ id: string; layers: { chainId: string; size: number }[] }[]>;
  /** Docker Volume objects with UsageData (the volume module). */
  volumes?(): Promise<Volume[]>;
  /** Build cache records (the build module). */
  buildCache?(): Promise<unknown[]>;
}

export async function diskUsage(deps: DiskUsageDeps): Promise<DiskUsage> {
  const [containers, images, stacks, volumes, buildCache] = await Promise.all([
    deps.containers.list({ all: true, size: true }),
    deps.images.list(),
    deps.imageLayers(),
    deps.volumes?.() ?? Promise.resolve([]),
    deps.buildCache?.() ?? Promise.resolve([]),
  ]);
  const users = new Map<string, number>();
  const layerSize = new Map<string, number>();
  for (const s of stacks) {
    for (const l of s.layers) {
      users.set(l.chainId, (users.get(l.chainId) ?? 0) + 1);
      layerSize.set(l.chainId, l.size);
    }
  }
  const shared = new Map(
    stacks.map((s) => [s.id, s.layers.filter((l) => (users.get(l.chainId) ?? 0) > 1).reduce((n, l) => n + l.size, 0)]),
  );
  const imageSize = new Map(images.map((i) => [i.Id, i.Size]));
  return {
    LayersSize: [...layerSize.values()].reduce((a, b) => a + b, 0),
    Images: images.map((i) => ({
      ...i,
      Containers: containers.filter((c) => c.ImageID === i.Id).length,
      SharedSize: shared.get(i.Id) ?? 0,
    })),
    Containers: containers.map((c) => ({ ...c, SizeRootFs: (c.SizeRw ?? 0) + (imageSize.get(c.ImageID) ?? 0) })),
    Volumes: volumes,
    BuildCache: buildCache,
  };
}
