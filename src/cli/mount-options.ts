/**
 * `--mount`, `--tmpfs`, `--device` and `--storage-opt` as the docker CLI
 * parses them (cli/opts/mount.go, opts.ParseDevice): the same API fields, the
 * same client-side errors. Pure.
 */
import type { DeviceMapping, Mount } from '../engine/types.ts';
import { UsageError } from './argv.ts';
import { parseBytes } from '../lib/size.ts';

function boolValue(key: string, value: string | undefined, spec: string): boolean {
  if (value === undefined) return true;
  const v = value.toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new UsageError(`invalid argument "${spec}" for "--mount" flag: invalid value for ${key}: ${value}`);
}

/** Splits a CSV field list as Go's encoding/csv does for one record (quotes allowed). */
function csvFields(text: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      if (quoted && text[i + 1] === '"') {
        cur += '"';
        i++;
      } else quoted = !quoted;
    } else if (c === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** One `--mount type=…,source=…,target=…[,…]`. */
export function parseMountFlag(spec: string): Mount {
  const bad = (msg: string): never => {
    throw new UsageError(`invalid argument "${spec}" for "--mount" flag: ${msg}`);
  };
  const m: Mount = { Type: 'volume', Target: '' };
  const volumeOpts = (): NonNullable<Mount['VolumeOptions']> => {
    m.VolumeOptions ??= {};
    return m.VolumeOptions;
  };
  const tmpfsOpts = (): NonNullable<Mount['TmpfsOptions']> => {
    m.TmpfsOptions ??= {};
    return m.TmpfsOptions;
  };
  for (const field of csvFields(spec)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? undefined : field.slice(eq + 1);
    if (value === undefined && !['readonly', 'ro', 'volume-nocopy', 'bind-nonrecursive'].includes(key)) {
      bad(`invalid field '${field}' must be a key=value pair`);
    }
    const v = value ?? '';
    switch (key) {
      case 'type':
        if (v !== 'bind' && v !== 'volume' && v !== 'tmpfs') bad(`invalid mount type "${v}" (bind, volume or tmpfs)`);
        m.Type = v as Mount['Type'];
        break;
      case 'source':
      case 'src':
        m.Source = v;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        m.Target = v;
        break;
      case 'readonly':
      case 'ro':
        m.ReadOnly = boolValue(key, value, spec);
        break;
      case 'consistency':
        m.Consistency = v;
        break;
      case 'bind-propagation':
        m.BindOptions = { ...m.BindOptions, Propagation: v as NonNullable<Mount['BindOptions']>['Propagation'] };
        break;
      case 'bind-nonrecursive':
        m.BindOptions = { ...m.BindOptions, NonRecursive: boolValue(key, value, spec) };
        break;
      case 'volume-nocopy':
        volumeOpts().NoCopy = boolValue(key, value, spec);
        break;
      case 'volume-subpath':
        volumeOpts().Subpath = v;
        break;
      case 'volume-driver':
        volumeOpts().DriverConfig = { ...volumeOpts().DriverConfig, Name: v };
        break;
      case 'volume-label':
      case 'volume-opt': {
        const veq = v.indexOf('=');
        if (veq <= 0) bad(`invalid ${key} '${v}': expected key=value`);
        const [k, val] = [v.slice(0, veq), v.slice(veq + 1)];
        if (key === 'volume-label') volumeOpts().Labels = { ...volumeOpts().Labels, [k]: val };
        else {
          const dc = volumeOpts().DriverConfig ?? {};
          volumeOpts().DriverConfig = { ...dc, Options: { ...dc.Options, [k]: val } };
        }
        break;
      }
      case 'tmpfs-size': {
        const size = parseBytes(v);
        if (size === undefined) bad(`invalid value for ${key}: ${v}`);
        tmpfsOpts().SizeBytes = size;
        break;
      }
      case 'tmpfs-mode': {
        if (!/^[0-7]+$/.test(v)) bad(`invalid value for ${key}: ${v}`);
        tmpfsOpts().Mode = Number.parseInt(v, 8);
        break;
      }
      default:
        bad(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (m.Target === '') bad('target is required');
  return m;
}

/** `--tmpfs /path[:options]` entries → HostConfig.Tmpfs. */
export function parseTmpfsFlags(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const colon = v.indexOf(':');
    if (colon < 0) out[v] = '';
    else out[v.slice(0, colon)] = v.slice(colon + 1);
  }
  return out;
}

const PERMS = /^(?!.*(.).*\1)[rwm]{1,3}$/;

/** `--device host[:container][:rwm]` as opts.ParseDevice. */
export function parseDeviceFlag(spec: string): DeviceMapping {
  const parts = spec.split(':');
  let host = parts[0] ?? '';
  let inCtr = '';
  let perms = 'rwm';
  if (parts.length === 2) {
    if (PERMS.test(parts[1] ?? '')) perms = parts[1] ?? 'rwm';
    else inCtr = parts[1] ?? '';
  } else if (parts.length === 3) {
    inCtr = parts[1] ?? '';
    perms = parts[2] ?? '';
    if (!PERMS.test(perms))
      throw new UsageError(`invalid argument "${spec}" for "--device" flag: bad mode specified: ${perms}`);
  } else if (parts.length > 3) {
    throw new UsageError(`invalid argument "${spec}" for "--device" flag: too many colons`);
  }
  if (host === '') throw new UsageError(`invalid argument "${spec}" for "--device" flag: empty host path`);
  host = host.replace(/\/+$/, '') || '/';
  return { PathOnHost: host, PathInContainer: inCtr || host, CgroupPermissions: perms };
}

/** `--storage-opt key=value` entries → HostConfig.StorageOpt. */
export function parseStorageOpts(values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid argument "${v}" for "--storage-opt" flag: invalid storage option`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}
