/**
 * A container's mounts and devices as its record keeps them (resolved at
 * create: volume names chosen, bind sources checked), and their OCI form.
 * Pure: the host paths of volumes are looked up by the caller.
 */
import type { OciMount } from '../../oci/runtime-spec.ts';

/** One mount of a container, as resolved at create and kept in its record. */
export interface ContainerMount {
  type: 'bind' | 'volume' | 'tmpfs';
  /** bind: the host path; volume: the volume name; tmpfs: ''. */
  source: string;
  /** Absolute path in the container. */
  destination: string;
  readonly: boolean;
  /** Docker's `Mode` as inspect shows it (`z`, `ro`, ``). */
  mode: string;
  /** bind: rprivate (default), private, rshared, shared, rslave, slave. */
  propagation: string;
  /** bind: `bind` instead of `rbind` (BindOptions.NonRecursive). */
  nonRecursive?: boolean;
  /** tmpfs: mount options (`size=…`, `mode=…`). */
  tmpfsOptions?: string[];
  /** volume: fill an empty volume from the image at the first start. */
  copyUp?: boolean;
  /** volume: made for this container (from `-v /path`, `--mount type=volume` without source, or the image's VOLUME). */
  anonymous?: boolean;
}

/** A device node made in the container (`--device`). */
export interface ContainerDevice {
  path: string;
  type: 'c' | 'b';
  major: number;
  minor: number;
  fileMode: number;
  uid: number;
  gid: number;
  /** Some of `rwm`: the device cgroup access. */
  access: string;
}

/** A device cgroup rule (`--device-cgroup-rule`), parsed. */
export interface DeviceRule {
  allow: boolean;
  type?: 'a' | 'c' | 'b';
  major?: number;
  minor?: number;
  access: string;
}

/** A mount ready for the spec: a bind with its host source, or a tmpfs. */
export type SpecMount =
  | { type: 'bind'; source: string; destination: string; readonly: boolean; propagation: string; recursive: boolean }
  | { type: 'tmpfs'; destination: string; readonly: boolean; options: string[] };

/** Default tmpfs options, as Docker's: no setuid, no devices, no exec unless asked. */
const TMPFS_DEFAULTS = ['nosuid', 'nodev', 'noexec'];

const FLAG_KEYS: Record<string, string> = {
  exec: 'exec',
  noexec: 'exec',
  suid: 'suid',
  nosuid: 'suid',
  dev: 'dev',
  nodev: 'dev',
  ro: 'rw',
  rw: 'rw',
  atime: 'atime',
  noatime: 'atime',
};

/** Docker's rule: the defaults, then the user's options; a later option replaces an earlier one of its kind (exec beats noexec). */
export function tmpfsOptions(user: readonly string[]): string[] {
  const out = new Map<string, string>();
  for (const o of [...TMPFS_DEFAULTS, ...user]) {
    out.set(o.includes('=') ? o.slice(0, o.indexOf('=')) : (FLAG_KEYS[o] ?? o), o);
  }
  return [...out.values()];
}

/** The OCI mounts of the user's mounts, parents before children (sorted by depth, stable). */
export function ociMounts(mounts: readonly SpecMount[]): OciMount[] {
  const depth = (p: string): number => p.split('/').filter(Boolean).length;
  return [...mounts]
    .map((m, i) => ({ m, i }))
    .sort((a, b) => depth(a.m.destination) - depth(b.m.destination) || a.i - b.i)
    .map(({ m }) =>
      m.type === 'tmpfs'
        ? {
            destination: m.destination,
            type: 'tmpfs',
            source: 'tmpfs',
            options: [...m.options, ...(m.readonly ? ['ro'] : [])],
          }
        : {
            destination: m.destination,
            type: 'bind',
            source: m.source,
            options: [m.recursive ? 'rbind' : 'bind', m.readonly ? 'ro' : 'rw', m.propagation || 'rprivate'],
          },
    );
}

/** Parses `--device-cgroup-rule` (`c 1:3 rwm`, `b *:* m`, `a`); undefined if malformed. */
export function parseDeviceRule(rule: string): DeviceRule | undefined {
  if (rule.trim() === 'a') return { allow: true, access: 'rwm' };
  const m = /^([acb]) (\d+|\*):(\d+|\*) ([rwm]{1,3})$/.exec(rule.trim());
  if (!m) return undefined;
  const num = (s: string | undefined): number | undefined => (s === undefined || s === '*' ? undefined : Number(s));
  const type = m[1] as 'a' | 'c' | 'b';
  const major = num(m[2]);
  const minor = num(m[3]);
  return {
    allow: true,
    ...(type === 'a' ? {} : { type }),
    ...(major !== undefined ? { major } : {}),
    ...(minor !== undefined ? { minor } : {}),
    access: m[4] ?? 'rwm',
  };
}
