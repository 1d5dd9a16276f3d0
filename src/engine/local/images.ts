/**
 * ImagesApi with behaviour: Docker API terms in and out, core/images below.
 * The one place image records become Docker's ImageSummary/ImageInspect:
 * names are shown familiar (`busybox:latest`), layers as diffIDs, the overlay
 * directories as Docker's overlay2 GraphDriver data.
 */
import type { ImageService, ImageRecord, RemovedItem } from '../../core/images/types.ts';
import type { EventSink } from '../../core/events/bus.ts';
import type { Snapshotter } from '../../core/snapshots/types.ts';
import { invalidArgument } from '../../lib/errors.ts';
import type { ImageRuntimeConfig } from '../../oci/image.ts';
import { DEFAULT_TAG, familiarName, formatReference, isValidTag, parseReference } from '../../oci/reference.ts';
import type { ImagesApi } from '../engine.ts';
import type {
  ContainerConfig,
  Filters,
  ImageBootstrapRequest,
  ImageDeleteItem,
  ImageInspect,
  ImageListOptions,
  ImageRemoveOptions,
  ImageSummary,
} from '../types.ts';

export interface ImagesApiDeps {
  images: ImageService;
  /** Read for GraphDriver data (the layer directories). */
  snapshotter: Snapshotter;
  /** Where image events (tag, untag, delete) go; none: not published. */
  events?: EventSink;
}

const ZERO_TIME = '0001-01-01T00:00:00Z';
const LIST_FILTERS = new Set(['dangling', 'label', 'reference', 'before', 'since']);

export function createImagesApi(deps: ImagesApiDeps): ImagesApi {
  const { images, snapshotter } = deps;
  const event = (action: string, id: string, name: string) =>
    deps.events?.publish({ type: 'image', action, id, attributes: { name } });

  const inspect = async (image: ImageRecord): Promise<ImageInspect> => {
    const config = await images.config(image);
    const out: ImageInspect = {
      Id: image.id,
      RepoTags: image.names.map((n) => familiarName(n)),
      RepoDigests: [],
      Parent: '',
      Comment: config.history?.at(-1)?.comment ?? '',
      Created: config.created ?? '',
      DockerVersion: '',
      Author: config.author ?? '',
      Config: toContainerConfig(config.config),
      Architecture: config.architecture,
      Os: config.os,
      Size: image.size,
      GraphDriver: { Name: 'overlay2', Data: await graphDriverData(snapshotter, image) },
      RootFS: { Type: 'layers', Layers: image.layers.map((l) => l.diffId) },
      Metadata: { LastTagTime: image.lastTagTime ?? ZERO_TIME },
    };
    if (config.variant) out.Variant = config.variant;
    return out;
  };

  return {
    async list(opts: ImageListOptions = {}): Promise<ImageSummary[]> {
      const filters = opts.filters ?? {};
      checkFilters(filters);
      const all = await images.list();
      const createdOf = async (ref: string): Promise<number> => unixSeconds((await images.get(ref)).created);
      const before = filters.before?.length
        ? Math.min(...(await Promise.all(filters.before.map(createdOf))))
        : undefined;
      const since = filters.since?.length ? Math.max(...(await Promise.all(filters.since.map(createdOf)))) : undefined;
      const dangling = boolFilter(filters, 'dangling');
      const out: ImageSummary[] = [];
      for (const image of all) {
        const created = unixSeconds(image.created);
        if (before !== undefined && created >= before) continue;
        if (since !== undefined && created <= since) continue;
        if (dangling !== undefined && (image.names.length === 0) !== dangling) continue;
        let tags = image.names.map((n) => familiarName(n));
        if (filters.reference?.length) {
          tags = image.names
            .filter((n) => filters.reference!.some((p) => referenceMatches(p, n)))
            .map((n) => familiarName(n));
          if (tags.length === 0) continue;
        }
        const config = await images.config(image);
        const labels = config.config?.Labels ?? {};
        if (filters.label?.length && !filters.label.every((l) => labelMatches(l, labels))) continue;
        out.push({
          Id: image.id,
          ParentId: '',
          RepoTags: tags,
          RepoDigests: [],
          Created: created,
          Size: image.size,
          SharedSize: -1,
          Labels: labels,
          Containers: -1,
        });
      }
      return out.sort((a, b) => b.Created - a.Created || a.Id.localeCompare(b.Id));
    },

    async inspect(name: string): Promise<ImageInspect> {
      return inspect(await images.get(name));
    },

    async tag(name: string, repo: string, tag?: string): Promise<void> {
      if (!repo) throw invalidArgument('repository name must have at least one component');
      const ref = parseReference(repo);
      if (ref.digest !== undefined) throw invalidArgument('refusing to create a tag with a digest reference');
      if (tag) {
        if (!isValidTag(tag)) throw invalidArgument(`invalid tag format: ${tag}`);
        ref.tag = tag;
      }
      if (familiarName({ domain: ref.domain, path: ref.path }) === 'sha256') {
        throw invalidArgument('refusing to create an ambiguous tag using digest algorithm as name');
      }
      const target = formatReference({ ...ref, tag: ref.tag ?? DEFAULT_TAG });
      await images.tag(name, target);
      event('tag', (await images.get(target)).id, familiarName(target));
    },

    async remove(name: string, opts: ImageRemoveOptions = {}): Promise<ImageDeleteItem[]> {
      const { id } = await images.get(name);
      const items = await images.remove(name, { force: opts.force ?? false, noprune: opts.noprune ?? false });
      for (const item of items) {
        if ('untagged' in item) event('untag', id, familiarName(item.untagged));
        else if (item.deleted === id) event('delete', id, id);
      }
      return items.map(toDeleteItem);
    },

    async bootstrap(body: ImageBootstrapRequest): Promise<ImageInspect> {
      if (body.Kind !== 'busybox') {
        throw invalidArgument(`unsupported bootstrap kind "${body.Kind}": only "busybox" is supported`);
      }
      return inspect(await images.bootstrapBusybox(body.Tag || 'busybox:latest'));
    },
  };
}

/** The image's runtime defaults in Docker's ContainerConfig shape (only the fields the image sets). */
export function toContainerConfig(c: ImageRuntimeConfig | undefined): ContainerConfig {
  const out: ContainerConfig = {};
  if (!c) return out;
  if (c.User !== undefined) out.User = c.User;
  if (c.ExposedPorts !== undefined) out.ExposedPorts = c.ExposedPorts;
  if (c.Env !== undefined) out.Env = c.Env;
  if (c.Entrypoint !== undefined) out.Entrypoint = c.Entrypoint;
  if (c.Cmd !== undefined) out.Cmd = c.Cmd;
  if (c.Volumes !== undefined) out.Volumes = c.Volumes;
  if (c.WorkingDir !== undefined) out.WorkingDir = c.WorkingDir;
  if (c.Labels !== undefined) out.Labels = c.Labels;
  if (c.StopSignal !== undefined) out.StopSignal = c.StopSignal;
  if (c.Healthcheck !== undefined) out.Healthcheck = c.Healthcheck;
  if (c.OnBuild !== undefined && c.OnBuild !== null && c.OnBuild.length > 0) out.OnBuild = c.OnBuild;
  if (c.Shell !== undefined) out.Shell = c.Shell;
  return out;
}

function toDeleteItem(item: RemovedItem): ImageDeleteItem {
  return 'untagged' in item ? { Untagged: familiarName(item.untagged) } : { Deleted: item.deleted };
}

async function graphDriverData(snapshotter: Snapshotter, image: ImageRecord): Promise<Record<string, string>> {
  const top = image.layers.at(-1);
  if (!top) return {};
  const info = await snapshotter.stat(top.chainId);
  const data: Record<string, string> = {
    MergedDir: `${info.dir}/merged`,
    UpperDir: info.diffDir,
    WorkDir: `${info.dir}/work`,
  };
  const lowers: string[] = [];
  for (let key = info.parent; key !== undefined; ) {
    const p = await snapshotter.stat(key);
    lowers.push(p.diffDir);
    key = p.parent;
  }
  if (lowers.length > 0) data.LowerDir = lowers.join(':');
  return data;
}

function checkFilters(filters: Filters): void {
  for (const key of Object.keys(filters)) {
    if (!LIST_FILTERS.has(key)) throw invalidArgument(`invalid filter '${key}'`);
  }
}

function boolFilter(filters: Filters, key: string): boolean | undefined {
  const values = filters[key];
  if (!values?.length) return undefined;
  const v = values[values.length - 1]!.toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw invalidArgument(`invalid filter '${key}=${values[values.length - 1]}'`);
}

function labelMatches(filter: string, labels: Record<string, string>): boolean {
  const eq = filter.indexOf('=');
  if (eq === -1) return filter in labels;
  return labels[filter.slice(0, eq)] === filter.slice(eq + 1);
}

/** Docker's reference filter: a glob matched against the familiar name, with and without the tag. */
function referenceMatches(pattern: string, canonical: string): boolean {
  const ref = parseReference(canonical);
  const re = globToRegExp(pattern);
  return re.test(familiarName(ref)) || re.test(familiarName({ domain: ref.domain, path: ref.path }));
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 1);
      if (end === -1) re += '\\[';
      else {
        re += `[${glob
          .slice(i + 1, end)
          .replace(/^!/, '^')
          .replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function unixSeconds(rfc3339: string): number {
  const ms = Date.parse(rfc3339);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}
