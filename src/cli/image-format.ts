/**
 * `berth images` rows as the docker CLI formats them: one row per repository
 * and tag (untagged images as `<none> <none>`), sizes in decimal units.
 */
import type { ImageSummary } from '../engine/types.ts';
import { truncateId } from './container-format.ts';
import { strict } from './format.ts';
import { goTimeUtc, timeAgo } from './time.ts';
import { humanSize } from './units.ts';

export const DEFAULT_IMAGES_FORMAT = 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
export const DIGESTS_IMAGES_FORMAT =
  'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';

export const IMAGES_JSON_FIELDS = [
  'Containers',
  'CreatedAt',
  'CreatedSince',
  'Digest',
  'ID',
  'Repository',
  'SharedSize',
  'Size',
  'Tag',
  'UniqueSize',
  'VirtualSize',
] as const;

export const IMAGES_HEADER = strict({
  ID: 'IMAGE ID',
  Repository: 'REPOSITORY',
  Tag: 'TAG',
  Digest: 'DIGEST',
  CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT',
  Size: 'SIZE',
  Containers: 'CONTAINERS',
  SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE',
  VirtualSize: 'VIRTUAL SIZE',
});

/** One row before formatting: an image under one repository, tag and digest. */
export interface ImageRowSource {
  image: ImageSummary;
  repo: string;
  tag: string;
  digest: string;
}

/** Splits `name:tag` / `name@digest` the way reference parsing does, and makes the name familiar. */
function splitReference(ref: string): { name: string; tag?: string; digest?: string } | undefined {
  if (ref.startsWith('<none>')) return undefined;
  const at = ref.indexOf('@');
  let name = at === -1 ? ref : ref.slice(0, at);
  const digest = at === -1 ? undefined : ref.slice(at + 1);
  let tag: string | undefined;
  const colon = name.lastIndexOf(':');
  if (colon > name.lastIndexOf('/')) {
    tag = name.slice(colon + 1);
    name = name.slice(0, colon);
  }
  if (name.startsWith('docker.io/library/')) name = name.slice('docker.io/library/'.length);
  else if (name.startsWith('docker.io/')) name = name.slice('docker.io/'.length);
  return { name, tag, digest };
}

/** The rows of `images`: per tag (and per digest with `--digests`), as Docker's imageFormat. */
export function imageRows(images: readonly ImageSummary[], opts: { digests: boolean }): ImageRowSource[] {
  const out: ImageRowSource[] = [];
  for (const image of images) {
    const tags = (image.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
    const digests = (image.RepoDigests ?? []).filter((d) => d !== '<none>@<none>');
    if (tags.length === 0 && digests.length === 0) {
      out.push({ image, repo: '<none>', tag: '<none>', digest: '<none>' });
      continue;
    }
    const repoTags = new Map<string, string[]>();
    const repoDigests = new Map<string, string[]>();
    for (const ref of tags) {
      const r = splitReference(ref);
      if (r?.tag === undefined) continue;
      repoTags.set(r.name, [...(repoTags.get(r.name) ?? []), r.tag]);
    }
    for (const ref of digests) {
      const r = splitReference(ref);
      if (r?.digest === undefined) continue;
      repoDigests.set(r.name, [...(repoDigests.get(r.name) ?? []), r.digest]);
    }
    for (const [repo, tagList] of repoTags) {
      const ds = opts.digests ? (repoDigests.get(repo) ?? []) : [];
      repoDigests.delete(repo);
      for (const tag of tagList) {
        if (ds.length === 0) out.push({ image, repo, tag, digest: '<none>' });
        else for (const digest of ds) out.push({ image, repo, tag, digest });
      }
    }
    for (const [repo, ds] of repoDigests) {
      if (opts.digests) for (const digest of ds) out.push({ image, repo, tag: '<none>', digest });
      else out.push({ image, repo, tag: '<none>', digest: '' });
    }
  }
  return out;
}

/** The template context of one image row. */
export function imageRow(row: ImageRowSource, opts: { trunc: boolean; nowMs: number }): object {
  const { image } = row;
  const na = (n: number | undefined, f: (n: number) => string) => (n === undefined || n < 0 ? 'N/A' : f(n));
  return strict({
    ID: () => (opts.trunc ? truncateId(image.Id) : image.Id),
    Repository: () => row.repo,
    Tag: () => row.tag,
    Digest: () => row.digest,
    CreatedSince: () => (image.Created === 0 ? 'N/A' : timeAgo(image.Created, opts.nowMs)),
    CreatedAt: () => goTimeUtc(image.Created),
    Size: () => humanSize(image.Size),
    Containers: () => na(image.Containers, String),
    SharedSize: () => na(image.SharedSize, (n) => humanSize(n, 4)),
    UniqueSize: () => na(image.SharedSize, (n) => humanSize(image.Size - n, 4)),
    VirtualSize: () => humanSize(image.VirtualSize ?? image.Size, 4),
  });
}
