/** How container records look through the API: list rows, filters, Docker's human status. */
import type { ContainerInspect, ContainerSummary, Filters } from '../types.ts';
import { invalidArgument } from '../../lib/errors.ts';
import type { ContainerRecord } from '../../core/containers/store.ts';

const FILTER_KEYS = [
  'id',
  'name',
  'status',
  'label',
  'ancestor',
  'exited',
  'before',
  'since',
  'volume',
  'network',
  'health',
  'expose',
  'publish',
  'is-task',
  'isolation',
];
const HEALTH = ['starting', 'healthy', 'unhealthy', 'none'];
const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

export function validateFilters(filters: Filters): void {
  for (const [k, values] of Object.entries(filters)) {
    if (!FILTER_KEYS.includes(k)) throw invalidArgument(`invalid filter '${k}'`);
    if (k === 'health') {
      for (const v of values)
        if (!HEALTH.includes(v)) throw invalidArgument(`Unrecognised filter value for health: ${v}`);
    }
    if (k === 'is-task') {
      for (const v of values) if (v !== 'true' && v !== 'false') throw invalidArgument(`Invalid filter 'is-task=${v}'`);
    }
    if (k === 'status') {
      for (const v of values) {
        if (!STATUSES.includes(v)) {
          throw invalidArgument(`invalid filter 'status=${v}'`);
        }
      }
    }
  }
}

export function matchesFilters(rec: ContainerRecord, filters: Filters): boolean {
  const any = (key: string, pred: (v: string) => boolean): boolean => {
    const vs = filters[key];
    return vs === undefined || vs.length === 0 || vs.some(pred);
  };
  const labels = rec.config.Labels ?? {};
  return (
    any('id', (v) => rec.id.startsWith(v)) &&
    any('name', (v) => {
      try {
        return new RegExp(v.startsWith('/') ? v.slice(1) : v).test(rec.name);
      } catch {
        return rec.name.includes(v);
      }
    }) &&
    any('status', (v) => rec.state.status === v) &&
    any('exited', (v) => rec.state.status === 'exited' && String(rec.state.exitCode) === v) &&
    any('ancestor', (v) => rec.image === v || rec.imageId === v || rec.imageId.startsWith(`sha256:${v}`)) &&
    any('volume', (v) => (rec.mounts ?? []).some((m) => m.source === v || m.destination === v)) &&
    any('network', (v) => (rec.hostConfig.NetworkMode ?? 'default') === v) &&
    any('health', (v) => (rec.state.health?.Status ?? 'none') === v) &&
    any('expose', (v) => portFilter(v, Object.keys(rec.config.ExposedPorts ?? {}))) &&
    any('publish', (v) =>
      portFilter(
        v,
        Object.keys((rec.hostConfig as { PortBindings?: Record<string, unknown> | null }).PortBindings ?? {}),
      ),
    ) &&
    any('is-task', (v) => v === 'false') &&
    any('isolation', (v) => v === 'default') &&
    (filters.label ?? []).every((v) => {
      const eq = v.indexOf('=');
      return eq < 0 ? v in labels : labels[v.slice(0, eq)] === v.slice(eq + 1);
    })
  );
}

/** Docker's human status: "Up 5 minutes", "Exited (0) 2 seconds ago", "Created". */
export function humanStatus(rec: ContainerRecord, now = Date.now()): string {
  switch (rec.state.status) {
    case 'running': {
      const h = rec.state.health?.Status;
      const health = h === 'starting' ? ' (health: starting)' : h === 'healthy' || h === 'unhealthy' ? ` (${h})` : '';
      return `Up ${humanDuration(now - Date.parse(rec.state.startedAt))}${health}`;
    }
    case 'paused':
      return `Up ${humanDuration(now - Date.parse(rec.state.startedAt))} (Paused)`;
    case 'exited':
      return `Exited (${rec.state.exitCode}) ${humanDuration(now - Date.parse(rec.state.finishedAt))} ago`;
    case 'created':
      return 'Created';
    default:
      return rec.state.status[0]?.toUpperCase() + rec.state.status.slice(1);
  }
}

/** Docker's units.HumanDuration. */
export function humanDuration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.floor(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.round(ms / 3_600_000);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  if (h < 24 * 7 * 2) return `${Math.round(h / 24)} days`;
  if (h < 24 * 30 * 2) return `${Math.round(h / 24 / 7)} weeks`;
  if (h < 24 * 365 * 2) return `${Math.round(h / 24 / 30)} months`;
  return `${Math.round(h / 24 / 365)} years`;
}

/** Docker's MountPoint list of a container; a volume's Source is `<volumesRoot>/<name>/_data`. */
export function mountPoints(rec: ContainerRecord, volumesRoot = ''): ContainerInspect['Mounts'] {
  return (rec.mounts ?? []).map((m) => {
    const base = { Destination: m.destination, Mode: m.mode, RW: !m.readonly };
    if (m.type === 'volume') {
      return {
        Type: 'volume',
        Name: m.source,
        Source: volumesRoot ? `${volumesRoot}/${m.source}/_data` : '',
        Driver: 'local',
        ...base,
        Propagation: '',
      };
    }
    if (m.type === 'tmpfs') return { Type: 'tmpfs', Source: '', ...base, Propagation: '' };
    return { Type: 'bind', Source: m.source, ...base, Propagation: m.propagation };
  });
}

export function summarize(rec: ContainerRecord, volumesRoot = ''): ContainerSummary {
  const cmd = [rec.path, ...rec.args].map((a) => (/\s/.test(a) ? JSON.stringify(a) : a)).join(' ');
  return {
    Id: rec.id,
    Names: [`/${rec.name}`],
    Image: rec.image,
    ImageID: rec.imageId,
    Command: cmd,
    Created: Math.floor(Date.parse(rec.created) / 1000),
    Ports: [],
    Labels: rec.config.Labels ?? {},
    State: rec.state.status,
    Status: humanStatus(rec),
    HostConfig: { NetworkMode: rec.hostConfig.NetworkMode ?? 'none' },
    NetworkSettings: { Networks: { [rec.hostConfig.NetworkMode ?? 'none']: {} } },
    Mounts: mountPoints(rec, volumesRoot),
  };
}

const PRUNE_KEYS = ['until', 'label', 'label!'];

/** Docker's `until` value: a Go duration back from `nowMs`, Unix seconds, or an RFC 3339 date; ms since the epoch. */
export function parseUntil(value: string, nowMs: number): number {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  if (/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(value)) {
    let ms = 0;
    for (const m of value.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * units[m[2]!]!;
    return nowMs - ms;
  }
  if (/^\d+(\.\d+)?$/.test(value)) return Number(value) * 1000;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw invalidArgument(`invalid filter 'until=${value}': not a timestamp or duration`);
  return t;
}

/** The predicate of `container prune` filters: created before `until`, `label` all present, no `label!` match. */
export function pruneFilter(filters: Filters, nowMs: number): (rec: ContainerRecord) => boolean {
  for (const k of Object.keys(filters)) {
    if (!PRUNE_KEYS.includes(k)) throw invalidArgument(`invalid filter '${k}'`);
  }
  const until = (filters.until ?? []).map((v) => parseUntil(v, nowMs));
  const labelMatches = (labels: Record<string, string>, v: string) => {
    const eq = v.indexOf('=');
    return eq < 0 ? v in labels : labels[v.slice(0, eq)] === v.slice(eq + 1);
  };
  return (rec) => {
    const labels = rec.config.Labels ?? {};
    const created = Date.parse(rec.created);
    return (
      until.every((u) => created < u) &&
      (filters.label ?? []).every((v) => labelMatches(labels, v)) &&
      !(filters['label!'] ?? []).some((v) => labelMatches(labels, v))
    );
  };
}

/** `80`, `80/udp` or `8000-8080/tcp` against `port/proto` keys (tcp when no protocol is given). */
function portFilter(value: string, ports: readonly string[]): boolean {
  const m = /^(\d+)(?:-(\d+))?(?:\/(\w+))?$/.exec(value);
  if (!m) return false;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  const proto = m[3] ?? 'tcp';
  return ports.some((p) => {
    const [n, pr = 'tcp'] = p.split('/');
    return pr === proto && Number(n) >= lo && Number(n) <= hi;
  });
}

/** `before`/`since` filters: only containers created before (after) every named one. */
export function createdWindow(
  filters: Filters,
  find: (ref: string) => ContainerRecord,
): (rec: ContainerRecord) => boolean {
  const before = (filters.before ?? []).map((r) => find(r).created);
  const since = (filters.since ?? []).map((r) => find(r).created);
  return (rec) => before.every((b) => rec.created < b) && since.every((s) => rec.created > s);
}
