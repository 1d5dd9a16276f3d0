/**
 * `berth ps` rows as the docker CLI formats them: the template context of a
 * container (`{{.ID}}`, `{{.Names}}`, `{{.Label "k"}}`…), its column titles,
 * and Docker's default table.
 */
import type { ContainerSummary, Port } from '../engine/types.ts';
import { strict } from './format.ts';
import { goTimeUtc, timeAgo } from './time.ts';
import { humanSize } from './units.ts';

export const DEFAULT_PS_FORMAT =
  'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

/** Fields of a row in `ps --format json`. */
export const PS_JSON_FIELDS = [
  'Command',
  'CreatedAt',
  'ID',
  'Image',
  'Labels',
  'LocalVolumes',
  'Mounts',
  'Names',
  'Networks',
  'Platform',
  'Ports',
  'RunningFor',
  'Size',
  'State',
  'Status',
] as const;

/** Column titles, keyed as the row fields. */
export const PS_HEADER = strict({
  ID: 'CONTAINER ID',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED',
  Ports: 'PORTS',
  State: 'STATE',
  Status: 'STATUS',
  Size: 'SIZE',
  Names: 'NAMES',
  Labels: 'LABELS',
  Label: (name: string) => name,
  Mounts: 'MOUNTS',
  LocalVolumes: 'LOCAL VOLUMES',
  Networks: 'NETWORKS',
  Platform: 'PLATFORM',
});

/** Options of {@link containerRow}. */
export interface RowOptions {
  /** Shorten IDs, commands and mount names (no `--no-trunc`). */
  trunc: boolean;
  nowMs: number;
}

/** The template context of one container. */
export function containerRow(c: ContainerSummary, opts: RowOptions): object {
  const { trunc } = opts;
  return strict({
    ID: () => (trunc ? truncateId(c.Id) : c.Id),
    Image: () => imageColumn(c, trunc),
    Command: () => JSON.stringify(trunc ? ellipsis(c.Command, 20) : c.Command),
    CreatedAt: () => goTimeUtc(c.Created),
    RunningFor: () => timeAgo(c.Created, opts.nowMs),
    Ports: () => displayablePorts(c.Ports ?? []),
    State: () => c.State,
    Status: () => c.Status,
    Size: () => {
      const rw = humanSize(c.SizeRw ?? 0);
      return (c.SizeRootFs ?? 0) > 0 ? `${rw} (virtual ${humanSize(c.SizeRootFs ?? 0)})` : rw;
    },
    Names: () => namesColumn(c.Names, trunc),
    Labels: () =>
      Object.entries(c.Labels ?? {})
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
    Label: (name: string) => c.Labels?.[name] ?? '',
    Mounts: () =>
      (c.Mounts ?? [])
        .map((m) => {
          const name = m.Name === undefined || m.Name === '' ? m.Source : m.Name;
          return trunc ? ellipsis(name, 15) : name;
        })
        .join(','),
    LocalVolumes: () => String((c.Mounts ?? []).filter((m) => m.Driver === 'local').length),
    Networks: () =>
      Object.keys(c.NetworkSettings?.Networks ?? {})
        .sort()
        .join(','),
    Platform: () => null,
  });
}

/** The first 12 hex digits of an ID, without its `sha256:` prefix. */
export function truncateId(id: string): string {
  const bare = id.startsWith('sha256:') ? id.slice('sha256:'.length) : id;
  return bare.slice(0, 12);
}

/** Shortens to `max` characters with a trailing "…", as Docker's formatter.Ellipsis. */
export function ellipsis(s: string, max: number): string {
  const chars = [...s];
  if (max <= 0) return '';
  if (chars.length <= max) return s;
  if (max === 1) return chars[0]!;
  return `${chars.slice(0, max - 1).join('')}…`;
}

function imageColumn(c: ContainerSummary, trunc: boolean): string {
  if (c.Image === '') return '<no image>';
  if (!trunc) return c.Image;
  if (truncateId(c.ImageID) === truncateId(c.Image)) return truncateId(c.Image);
  const at = c.Image.indexOf('@');
  const named = at === -1 ? c.Image : c.Image.slice(0, at);
  if (at !== -1 || /:[\w][\w.-]*$/.test(named.slice(named.lastIndexOf('/') + 1))) return familiar(named);
  return c.Image;
}

/** `docker.io/library/busybox:1` → `busybox:1`. */
function familiar(ref: string): string {
  if (ref.startsWith('docker.io/library/')) return ref.slice('docker.io/library/'.length);
  if (ref.startsWith('docker.io/')) return ref.slice('docker.io/'.length);
  return ref;
}

function namesColumn(names: readonly string[], trunc: boolean): string {
  let list = names.map((n) => (n.startsWith('/') ? n.slice(1) : n));
  if (trunc) {
    const own = list.find((n) => !n.includes('/'));
    if (own !== undefined) list = [own];
  }
  return list.join(',');
}

/** Docker's DisplayablePorts: consecutive ports grouped into ranges, published ones as `ip:host->ctr/proto`. */
export function displayablePorts(ports: readonly Port[]): string {
  const sorted = [...ports].sort(
    (a, b) =>
      a.PrivatePort - b.PrivatePort ||
      cmp(a.IP ?? '', b.IP ?? '') ||
      (a.PublicPort ?? 0) - (b.PublicPort ?? 0) ||
      cmp(a.Type, b.Type),
  );
  const groups = new Map<string, { first: number; last: number }>();
  const result: string[] = [];
  const mappings: string[] = [];
  for (const p of sorted) {
    const current = p.PrivatePort;
    let key: string = p.Type;
    if (p.IP !== undefined && p.IP !== '') {
      if ((p.PublicPort ?? 0) !== current) {
        const host = p.IP.includes(':') ? `[${p.IP}]` : p.IP;
        mappings.push(`${host}:${p.PublicPort ?? 0}->${p.PrivatePort}/${p.Type}`);
        continue;
      }
      key = `${p.IP}/${p.Type}`;
    }
    const g = groups.get(key);
    if (g === undefined) {
      groups.set(key, { first: current, last: current });
      continue;
    }
    if (current === g.last + 1) {
      g.last = current;
      continue;
    }
    result.push(formGroup(key, g.first, g.last));
    groups.set(key, { first: current, last: current });
  }
  for (const [key, g] of groups) result.push(formGroup(key, g.first, g.last));
  return [...result, ...mappings].join(', ');
}

function formGroup(key: string, first: number, last: number): string {
  const parts = key.split('/');
  const ip = parts.length > 1 ? parts[0]! : '';
  const type = parts.length > 1 ? parts[1]! : parts[0]!;
  let group = first === last ? String(first) : `${first}-${last}`;
  if (ip !== '') group = `${ip}:${group}->${group}`;
  return `${group}/${type}`;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
