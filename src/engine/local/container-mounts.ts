/**
 * The mount and device model of `create`, as Docker applies it:
 * `-v` (HostConfig.Binds), `--mount` (HostConfig.Mounts), `--tmpfs`,
 * `--volumes-from`, the image's and the request's `Volumes` (anonymous
 * volumes), `--device` and `--device-cgroup-rule`.
 *
 * {@link planMounts} is pure apart from reading the host (stat of bind
 * sources and devices): it validates everything and decides every mount
 * before anything is created, so bad input leaves nothing behind. The
 * caller then creates the volumes and the missing `-v` directories the plan
 * lists.
 */
import { readdirSync, type Stats, statSync } from 'node:fs';
import { lstat } from 'node:fs/promises';
import { isAbsolute, join, normalize } from 'node:path';
import { invalidArgument } from '../../lib/errors.ts';
import { parseBytes } from '../../lib/size.ts';
import {
  type ContainerDevice,
  type ContainerMount,
  type DeviceRule,
  parseDeviceRule,
  tmpfsOptions,
} from '../../core/containers/mounts.ts';
import { validateVolumeName, validateVolumeOptions } from '../../core/volumes/service.ts';
import type { ContainerConfig, HostConfig, Mount } from '../types.ts';

/** A volume the plan needs to exist before the container is recorded. */
export interface VolumeNeed {
  /** Undefined: a new anonymous volume (its name is chosen when made). */
  name?: string;
  labels?: Record<string, string>;
  options?: Record<string, string>;
  /** The index of the mount in {@link MountPlan.mounts} whose source is this volume. */
  mountIndex: number;
}

/** What create must do and keep. */
export interface MountPlan {
  mounts: ContainerMount[];
  volumes: VolumeNeed[];
  /** Missing `-v` bind sources to make as directories (Docker's compatibility; a warning names each). */
  makeDirs: string[];
  devices: ContainerDevice[];
  deviceRules: DeviceRule[];
  warnings: string[];
}

/** What planning needs from other containers (`--volumes-from`). */
export interface MountSources {
  /** The mounts of another container, by ID or name; 'not-found' if there is none. */
  mountsOf(ref: string): ContainerMount[];
  /** stat(2) of a host path; undefined if it does not exist. */
  stat?(path: string): Stats | undefined;
}

const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];

function hostStat(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

function mountError(type: string, msg: string): Error {
  return invalidArgument(`invalid mount config for type "${type}": ${msg}`);
}

function absTarget(type: string, target: string | undefined): string {
  if (!target) throw mountError(type, 'field Target must not be empty');
  if (!isAbsolute(target)) throw mountError(type, `invalid mount path: '${target}' mount path must be absolute`);
  const t = normalize(target);
  if (t === '/') throw mountError(type, 'invalid specification: destination can\'t be "/"');
  return t.length > 1 && t.endsWith('/') ? t.slice(0, -1) : t;
}

/** Parses one `-v` entry: `/host:/ctr[:opts]` (bind) or `name:/ctr[:opts]` (named volume). */
export function parseBind(spec: string): ContainerMount {
  const parts = spec.split(':');
  if (parts.length < 2 || parts.length > 3 || parts.some((p, i) => p === '' && i < 2)) {
    throw invalidArgument(`invalid volume specification: '${spec}'`);
  }
  const [source = '', target = '', modeText = ''] = parts;
  const bind = isAbsolute(source);
  const type = bind ? 'bind' : 'volume';
  if (!isAbsolute(target)) {
    throw mountError(type, `invalid mount path: '${target}' mount path must be absolute`);
  }
  const modes = modeText === '' ? [] : modeText.split(',');
  let readonly = false;
  let propagation = '';
  let nocopy = false;
  for (const m of modes) {
    if (m === 'ro' || m === 'rw') readonly = m === 'ro';
    else if (m === 'z' || m === 'Z') {
      // SELinux relabelling: no SELinux on berth's hosts, accepted as Docker does there.
    } else if (PROPAGATIONS.includes(m)) {
      if (!bind) throw invalidArgument(`invalid mode: ${modeText}`);
      propagation = m;
    } else if (m === 'nocopy') {
      if (bind) throw invalidArgument(`invalid mode: ${modeText}`);
      nocopy = true;
    } else throw invalidArgument(`invalid mode: ${modeText}`);
  }
  if (!bind) validateVolumeName(source);
  const destination = absTarget(type, target);
  return {
    type,
    source: bind ? normalize(source) : source,
    destination,
    readonly,
    mode: modeText,
    propagation: bind ? propagation || 'rprivate' : '',
    ...(bind ? {} : { copyUp: !nocopy }),
  };
}

/** Checks one `--mount` and gives its record form (a volume without Source is anonymous). */
export function parseMount(m: Mount): ContainerMount {
  const type = m.Type;
  if (!['bind', 'volume', 'tmpfs'].includes(type)) throw invalidArgument(`mount type unknown: "${String(type)}"`);
  const destination = absTarget(type, m.Target);
  if (type !== 'bind' && m.BindOptions) throw mountError(type, 'field BindOptions must not be specified');
  if (type !== 'volume' && m.VolumeOptions) throw mountError(type, 'field VolumeOptions must not be specified');
  if (type !== 'tmpfs' && m.TmpfsOptions) throw mountError(type, 'field TmpfsOptions must not be specified');
  const readonly = m.ReadOnly === true;
  if (type === 'bind') {
    if (!m.Source) throw mountError(type, 'field Source must not be empty');
    if (!isAbsolute(m.Source)) throw mountError(type, `invalid mount path: '${m.Source}' mount path must be absolute`);
    const propagation = m.BindOptions?.Propagation ?? 'rprivate';
    if (!PROPAGATIONS.includes(propagation)) throw mountError(type, `invalid propagation mode: ${propagation}`);
    return {
      type,
      source: normalize(m.Source),
      destination,
      readonly,
      mode: '',
      propagation,
      ...(m.BindOptions?.NonRecursive ? { nonRecursive: true } : {}),
    };
  }
  if (type === 'volume') {
    if (m.Source) validateVolumeName(m.Source);
    if (m.VolumeOptions?.Subpath) throw mountError(type, 'VolumeOptions.Subpath is not supported by berth');
    const driver = m.VolumeOptions?.DriverConfig?.Name;
    if (driver && driver !== 'local') throw mountError(type, `volume driver "${driver}" is not available (only local)`);
    validateVolumeOptions(m.VolumeOptions?.DriverConfig?.Options ?? {});
    return {
      type,
      source: m.Source ?? '',
      destination,
      readonly,
      mode: 'z',
      propagation: '',
      copyUp: m.VolumeOptions?.NoCopy !== true,
      ...(m.Source ? {} : { anonymous: true }),
    };
  }
  if (m.Source) throw mountError(type, 'field Source must not be specified');
  const size = m.TmpfsOptions?.SizeBytes;
  const mode = m.TmpfsOptions?.Mode;
  if (size !== undefined && (!Number.isInteger(size) || size < 0)) throw mountError(type, `invalid size: ${size}`);
  if (mode !== undefined && (!Number.isInteger(mode) || mode < 0 || mode > 0o7777)) {
    throw mountError(type, `invalid mode: ${mode}`);
  }
  const opts = [...(size ? [`size=${size}`] : []), ...(mode !== undefined ? [`mode=${mode.toString(8)}`] : [])];
  return { type, source: '', destination, readonly, mode: '', propagation: '', tmpfsOptions: tmpfsOptions(opts) };
}

/** Checks the options of one `--tmpfs` (`size=64m,mode=1777,exec,uid=…`). */
export function parseTmpfs(target: string, options: string): ContainerMount {
  const destination = absTarget('tmpfs', target);
  const opts = options === '' ? [] : options.split(',');
  let readonly = false;
  for (const o of opts) {
    const [k = '', v] = o.split('=', 2);
    if (k === 'size' && (v === undefined || (parseBytes(v) === undefined && !/^\d+%$/.test(v)))) {
      throw invalidArgument(`invalid tmpfs option ["${o}"]: invalid size`);
    }
    if (k === 'mode' && (v === undefined || !/^[0-7]{1,4}$/.test(v))) {
      throw invalidArgument(`invalid tmpfs option ["${o}"]: invalid mode`);
    }
    if ((k === 'uid' || k === 'gid' || k === 'nr_inodes' || k === 'nr_blocks') && !/^\d+$/.test(v ?? '')) {
      throw invalidArgument(`invalid tmpfs option ["${o}"]`);
    }
    if (o === 'ro') readonly = true;
  }
  const known =
    /^(size|mode|uid|gid|nr_inodes|nr_blocks|mpol|huge)=|^(ro|rw|exec|noexec|suid|nosuid|dev|nodev|atime|noatime|relatime|strictatime|nodiratime|diratime|sync|async|dirsync|mand|nomand|private|rprivate|shared|rshared|slave|rslave)$/;
  for (const o of opts) if (!known.test(o)) throw invalidArgument(`invalid tmpfs option ["${o}"]`);
  // Docker converts size to bytes for the kernel (which takes k/m/g but not "mb").
  const normalized = opts
    .filter((o) => o !== 'ro' && o !== 'rw')
    .map((o) => (o.startsWith('size=') && !o.endsWith('%') ? `size=${parseBytes(o.slice(5))}` : o));
  return {
    type: 'tmpfs',
    source: '',
    destination,
    readonly,
    mode: options,
    propagation: '',
    tmpfsOptions: tmpfsOptions(normalized),
  };
}

/** Docker's device number split of st_rdev (glibc's major/minor). */
function majorMinor(rdev: number): { major: number; minor: number } {
  const r = BigInt(rdev);
  const major = Number(((r >> 8n) & 0xfffn) | ((r >> 32n) & ~0xfffn));
  const minor = Number((r & 0xffn) | ((r >> 12n) & ~0xffn));
  return { major, minor };
}

/** Checks one `--device` and gives the node to make; a directory maps every device below it (one level, as Docker). */
export function parseDevice(
  d: { PathOnHost: string; PathInContainer: string; CgroupPermissions: string },
  stat: (p: string) => Stats | undefined = hostStat,
  list: (dir: string) => string[] = () => [],
): ContainerDevice[] {
  const host = d.PathOnHost;
  const inCtr = d.PathInContainer || host;
  const perms = d.CgroupPermissions || 'rwm';
  if (!isAbsolute(host)) throw invalidArgument(`invalid device path: ${host}: it must be absolute`);
  if (!isAbsolute(inCtr)) throw invalidArgument(`invalid device path in container: ${inCtr}: it must be absolute`);
  if (!/^[rwm]{1,3}$/.test(perms) || new Set(perms).size !== perms.length) {
    throw invalidArgument(`invalid device mode: ${perms}`);
  }
  const st = stat(host);
  if (!st)
    throw invalidArgument(
      `error gathering device information while adding custom device "${host}": no such file or directory`,
    );
  const node = (path: string, s: Stats): ContainerDevice | undefined => {
    if (!s.isCharacterDevice() && !s.isBlockDevice()) return undefined;
    return {
      path,
      type: s.isCharacterDevice() ? 'c' : 'b',
      ...majorMinor(s.rdev),
      fileMode: s.mode & 0o777,
      uid: 0,
      gid: 0,
      access: perms,
    };
  };
  if (st.isDirectory()) {
    const out: ContainerDevice[] = [];
    for (const name of list(host)) {
      const s = stat(`${host}/${name}`);
      const n = s && node(`${normalize(inCtr)}/${name}`, s);
      if (n) out.push(n);
    }
    return out;
  }
  const n = node(normalize(inCtr), st);
  if (!n)
    throw invalidArgument(`error gathering device information while adding custom device "${host}": not a device node`);
  return [n];
}

/** Applies `--volumes-from container[:ro|rw]`: the other container's binds and volumes (not its tmpfs). */
function volumesFrom(entry: string, sources: MountSources): ContainerMount[] {
  const [ref = '', mode, extra] = entry.split(':');
  if (ref === '' || extra !== undefined || (mode !== undefined && mode !== 'ro' && mode !== 'rw')) {
    throw invalidArgument(`invalid volumes-from specification: '${entry}'`);
  }
  return sources
    .mountsOf(ref)
    .filter((m) => m.type !== 'tmpfs')
    .map((m) => ({
      ...m,
      readonly: mode === undefined ? m.readonly : mode === 'ro',
      // Shared, not owned: removing this container never removes the other's anonymous volumes.
      anonymous: false,
      copyUp: false,
    }));
}

/**
 * Decides every mount of a new container and checks every field; throws
 * 'invalid-argument' (400) before anything exists. Precedence as Docker's:
 * `-v`/`--mount`/`--tmpfs` (a destination given twice is an error), then
 * `--volumes-from`, then the Volumes of the image and the request.
 */
export function planMounts(host: HostConfig, config: ContainerConfig, sources: MountSources): MountPlan {
  const stat = sources.stat ?? hostStat;
  const plan: MountPlan = { mounts: [], volumes: [], makeDirs: [], devices: [], deviceRules: [], warnings: [] };
  const taken = new Set<string>();
  const add = (m: ContainerMount, explicit: boolean): void => {
    if (taken.has(m.destination)) {
      if (explicit) throw invalidArgument(`Duplicate mount point: ${m.destination}`);
      return;
    }
    taken.add(m.destination);
    plan.mounts.push(m);
  };

  for (const b of host.Binds ?? []) {
    const m = parseBind(b);
    if (m.type === 'bind') {
      const st = stat(m.source);
      if (!st && !plan.makeDirs.includes(m.source)) {
        plan.makeDirs.push(m.source);
        plan.warnings.push(
          `bind source ${m.source} does not exist: created it as an empty directory (use --mount type=bind to get an error instead)`,
        );
      }
    } else {
      plan.volumes.push({ name: m.source, mountIndex: plan.mounts.length });
    }
    add(m, true);
  }
  for (const raw of host.Mounts ?? []) {
    const m = parseMount(raw);
    if (m.type === 'bind' && !stat(m.source)) {
      throw mountError('bind', `bind source path does not exist: ${m.source}`);
    }
    if (m.type === 'volume') {
      plan.volumes.push({
        ...(m.source ? { name: m.source } : {}),
        labels: raw.VolumeOptions?.Labels ?? {},
        options: raw.VolumeOptions?.DriverConfig?.Options ?? {},
        mountIndex: plan.mounts.length,
      });
    }
    add(m, true);
  }
  for (const [target, options] of Object.entries(host.Tmpfs ?? {})) add(parseTmpfs(target, options), true);
  for (const entry of host.VolumesFrom ?? []) for (const m of volumesFrom(entry, sources)) add(m, false);
  for (const path of Object.keys(config.Volumes ?? {})) {
    const destination = absTarget('volume', path);
    if (taken.has(destination)) continue;
    plan.volumes.push({ mountIndex: plan.mounts.length });
    add(
      {
        type: 'volume',
        source: '',
        destination,
        readonly: false,
        mode: '',
        propagation: '',
        copyUp: true,
        anonymous: true,
      },
      false,
    );
  }

  for (const d of host.Devices ?? []) plan.devices.push(...parseDevice(d, stat, listDir));
  for (const r of host.DeviceCgroupRules ?? []) {
    const rule = parseDeviceRule(r);
    if (!rule) throw invalidArgument(`invalid device cgroup format '${r}'`);
    plan.deviceRules.push(rule);
  }
  return plan;
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The overlay lower directories of a rootfs mount, top first. */
export function lowerDirs(rootfs: { options: string[] }): string[] {
  const opt = rootfs.options.find((o) => o.startsWith('lowerdir='));
  return opt ? opt.slice('lowerdir='.length).split(':') : [];
}

/**
 * Refuses a bind of a file onto a directory of the image (or a directory onto
 * a file), which the runtime would only report late and obscurely. Looks the
 * target up in the image's layers, top first.
 */
export async function checkBindTargets(
  mounts: readonly ContainerMount[],
  rootfs: { options: string[] },
): Promise<void> {
  const layers = lowerDirs(rootfs);
  for (const m of mounts) {
    if (m.type !== 'bind') continue;
    const src = hostStat(m.source);
    if (!src) continue;
    for (const layer of layers) {
      const st = await lstat(join(layer, m.destination)).catch(() => undefined);
      if (!st) continue;
      if (src.isDirectory() !== st.isDirectory() && !st.isSymbolicLink()) {
        // Worded without "is a directory": the docker CLI would turn that into exit code 126.
        const [what, onto] = src.isDirectory() ? ['directory', 'file'] : ['file', 'directory'];
        throw invalidArgument(
          `cannot bind-mount the ${what} ${m.source} onto ${m.destination}: the image has a ${onto} there`,
        );
      }
      break;
    }
  }
}
