/**
 * VolumesApi with behaviour: Docker's volume endpoints over core/volumes.
 * Filters and prune follow Docker 23+ (prune removes anonymous volumes
 * unless `all=true`).
 */
import type { VolumesApi } from '../engine.ts';
import type { Filters, Volume, VolumeListResponse, VolumePruneResponse } from '../types.ts';
import { invalidArgument } from '../../lib/errors.ts';
import { ANONYMOUS_LABEL, type VolumeRecord, type VolumeService } from '../../core/volumes/service.ts';

export interface VolumesApiOptions {
  volumes: VolumeService;
  /** IDs of the containers that reference a volume. */
  usedBy(name: string): string[];
}

const LIST_FILTERS = ['dangling', 'driver', 'label', 'name'];
const PRUNE_FILTERS = ['all', 'label', 'label!'];

function checkFilters(filters: Filters, allowed: string[]): void {
  for (const [k, values] of Object.entries(filters)) {
    if (!allowed.includes(k)) throw invalidArgument(`invalid filter '${k}'`);
    for (const v of values) {
      if ((k === 'dangling' || k === 'all') && !['true', 'false', '1', '0'].includes(v.toLowerCase())) {
        throw invalidArgument(`invalid filter '${k}=${v}'`);
      }
    }
  }
}

const truthy = (v: string): boolean => ['true', '1'].includes(v.toLowerCase());

/** Docker's label filter: `key` (present) or `key=value`. */
function hasLabel(labels: Record<string, string>, f: string): boolean {
  const eq = f.indexOf('=');
  return eq < 0 ? f in labels : labels[f.slice(0, eq)] === f.slice(eq + 1);
}

export function toVolume(rec: VolumeRecord, mountpoint: string, usage?: Volume['UsageData']): Volume {
  return {
    Name: rec.name,
    Driver: rec.driver,
    Mountpoint: mountpoint,
    CreatedAt: rec.createdAt,
    Labels: rec.labels,
    Scope: 'local',
    Options: rec.options,
    ...(usage !== undefined ? { UsageData: usage } : {}),
  };
}

export function createVolumesApi(o: VolumesApiOptions): VolumesApi {
  const v = o.volumes;
  const view = (rec: VolumeRecord) => toVolume(rec, v.dataPath(rec.name));
  return {
    async list(opts = {}): Promise<VolumeListResponse> {
      const filters = opts.filters ?? {};
      checkFilters(filters, LIST_FILTERS);
      const any = (key: string, pred: (x: string) => boolean): boolean => {
        const vs = filters[key];
        return vs === undefined || vs.length === 0 || vs.some(pred);
      };
      const recs = v
        .list()
        .filter(
          (r) =>
            any('name', (x) => r.name.includes(x)) &&
            any('driver', (x) => r.driver === x) &&
            any('dangling', (x) => truthy(x) === (o.usedBy(r.name).length === 0)) &&
            (filters.label ?? []).every((f) => hasLabel(r.labels, f)),
        );
      return { Volumes: recs.map(view), Warnings: [] };
    },

    async create(body) {
      const { volume } = await v.create({
        ...(body.Name ? { name: body.Name } : {}),
        ...(body.Driver ? { driver: body.Driver } : {}),
        labels: body.Labels ?? {},
        options: body.DriverOpts ?? {},
      });
      return view(volume);
    },

    inspect: async (name) => withUsage(o, v.get(name)),

    async remove(name, opts = {}) {
      await v.remove(name, { force: opts.force === true });
    },

    async prune(opts = {}): Promise<VolumePruneResponse> {
      const filters = opts.filters ?? {};
      checkFilters(filters, PRUNE_FILTERS);
      const all = (filters.all ?? []).some(truthy);
      const { removed, reclaimed } = await v.prune(
        (r) =>
          (all || ANONYMOUS_LABEL in r.labels) &&
          (filters.label ?? []).every((f) => hasLabel(r.labels, f)) &&
          !(filters['label!'] ?? []).some((f) => hasLabel(r.labels, f)),
      );
      return { VolumesDeleted: removed, SpaceReclaimed: reclaimed };
    },
  };
}

/** A volume with its UsageData: size (-1 when unreadable) and how many containers reference it. */
async function withUsage(o: VolumesApiOptions, rec: VolumeRecord): Promise<Volume> {
  const size = await o.volumes.usage(rec.name).catch(() => -1);
  return toVolume(rec, o.volumes.dataPath(rec.name), { Size: size, RefCount: o.usedBy(rec.name).length });
}

/** Every volume with UsageData, for `system df`. */
export async function volumeUsage(o: VolumesApiOptions): Promise<Volume[]> {
  const out: Volume[] = [];
  for (const rec of o.volumes.list()) out.push(await withUsage(o, rec));
  return out;
}
