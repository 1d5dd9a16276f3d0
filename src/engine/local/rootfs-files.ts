/**
 * Files berth reads and writes in and beside a container's root filesystem:
 * user lookup in its /etc/passwd and /etc/group, the working directory, and
 * the hostname, hosts and resolv.conf bound in. Paths inside the rootfs never
 * leave it, symlinks included.
 */
import { mkdir, readFile, realpath, stat, writeFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import { invalidArgument } from '../../lib/errors.ts';
import type { OciUser } from '../../oci/runtime-spec.ts';
import type { ContainerRecord } from '../../core/containers/store.ts';

/** Resolves a path inside `root` without leaving it (symlinks included); undefined if it escapes. */
export async function pathInRoot(root: string, path: string): Promise<string | undefined> {
  try {
    const real = await realpath(join(root, path));
    const realRoot = await realpath(root);
    return real === realRoot || real.startsWith(`${realRoot}/`) ? real : undefined;
  } catch {
    return undefined;
  }
}

export async function mkdirInRoot(root: string, dir: string): Promise<void> {
  const parts = normalize(dir).split('/').filter(Boolean);
  let cur = '';
  for (const p of parts) {
    if (p === '..') throw invalidArgument(`invalid working directory: ${dir}`);
    cur = `${cur}/${p}`;
    const inside = await pathInRoot(root, cur);
    if (inside) continue;
    const parent = await pathInRoot(root, cur.slice(0, cur.lastIndexOf('/')) || '/');
    if (!parent) throw invalidArgument(`working directory ${dir} escapes the container root`);
    await mkdir(join(parent, p), { mode: 0o755 }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw err;
    });
    if (!(await pathInRoot(root, cur))) throw invalidArgument(`working directory ${dir} escapes the container root`);
  }
}

async function readRootFile(root: string, path: string): Promise<string> {
  const p = await pathInRoot(root, path);
  if (!p) return '';
  const st = await stat(p).catch(() => undefined);
  if (!st?.isFile()) return '';
  return readFile(p, 'utf8');
}

/**
 * Resolves `user[:group]` against the container's /etc/passwd and /etc/group,
 * as Docker does: a user's supplementary groups come from /etc/group unless a
 * group is given; `groupAdd` (`--group-add`, names or IDs) adds more.
 */
export async function resolveUser(rootfs: string, spec: string, groupAdd: readonly string[] = []): Promise<OciUser> {
  const groups = parseColonFile(await readRootFile(rootfs, '/etc/group'));
  const added = groupAdd.map((g) => {
    if (/^\d+$/.test(g)) return Number.parseInt(g, 10);
    const ent = groups.find((e) => e[0] === g);
    if (!ent) throw invalidArgument(`Unable to find group ${g}: no matching entries in group file`);
    return Number.parseInt(ent[2] ?? '0', 10);
  });
  if (spec === '') return { uid: 0, gid: 0, additionalGids: [...new Set([0, ...added])] };
  const [userPart = '', groupPart] = spec.split(':');
  const passwd = parseColonFile(await readRootFile(rootfs, '/etc/passwd'));
  let uid: number;
  let gid = 0;
  let userName: string | undefined;
  if (/^\d+$/.test(userPart)) {
    uid = Number.parseInt(userPart, 10);
    const ent = passwd.find((p) => p[2] === userPart);
    if (ent) {
      gid = Number.parseInt(ent[3] ?? '0', 10);
      userName = ent[0];
    }
  } else {
    const ent = passwd.find((p) => p[0] === userPart);
    if (!ent) throw invalidArgument(`unable to find user ${userPart}: no matching entries in passwd file`);
    uid = Number.parseInt(ent[2] ?? '0', 10);
    gid = Number.parseInt(ent[3] ?? '0', 10);
    userName = ent[0];
  }
  if (groupPart !== undefined && groupPart !== '') {
    if (/^\d+$/.test(groupPart)) gid = Number.parseInt(groupPart, 10);
    else {
      const g = groups.find((e) => e[0] === groupPart);
      if (!g) throw invalidArgument(`unable to find group ${groupPart}: no matching entries in group file`);
      gid = Number.parseInt(g[2] ?? '0', 10);
    }
  }
  const additional = new Set<number>([gid]);
  if (userName !== undefined && groupPart === undefined) {
    for (const g of groups) {
      if ((g[3] ?? '').split(',').includes(userName)) additional.add(Number.parseInt(g[2] ?? '0', 10));
    }
  }
  for (const g of added) additional.add(g);
  return { uid, gid, additionalGids: [...additional] };
}

function parseColonFile(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

const HOSTS_DEFAULT = [
  '127.0.0.1\tlocalhost',
  '::1\tlocalhost ip6-localhost ip6-loopback',
  'fe00::0\tip6-localnet',
  'ff00::0\tip6-mcastprefix',
  'ff02::1\tip6-allnodes',
  'ff02::2\tip6-allrouters',
];

/** What networking adds to a container's files: its own and linked names, and the resolv.conf to use. */
export interface EtcNetwork {
  hostsLines: string[];
  /** The resolv.conf content (before --dns options). */
  resolv?: string;
}

export async function writeEtcFiles(
  dir: string,
  rec: ContainerRecord,
  net: EtcNetwork = { hostsLines: [] },
): Promise<void> {
  const host = rec.hostConfig.NetworkMode === 'host';
  const hostname = rec.config.Hostname ?? rec.id.slice(0, 12);
  await writeFile(join(dir, 'hostname'), `${hostname}\n`);
  const hosts = host
    ? await readFile('/etc/hosts', 'utf8').catch(() => `${HOSTS_DEFAULT.join('\n')}\n`)
    : `${[...HOSTS_DEFAULT, ...net.hostsLines].join('\n')}\n`;
  await writeFile(join(dir, 'hosts'), hosts + extraHostLines(rec.hostConfig.ExtraHosts ?? []));
  const resolv = net.resolv ?? (await readFile('/etc/resolv.conf', 'utf8').catch(() => ''));
  await writeFile(join(dir, 'resolv.conf'), resolvConf(resolv, rec.hostConfig));
}

/** `--add-host name:ip` (or `name=ip`) entries as /etc/hosts lines. */
export function extraHostLines(extra: readonly string[]): string {
  return extra
    .map((e) => {
      const sep = e.includes('=') ? e.indexOf('=') : e.indexOf(':');
      return `${e.slice(sep + 1).replace(/^\[(.*)\]$/, '$1')}\t${e.slice(0, sep)}\n`;
    })
    .join('');
}

/**
 * The container's resolv.conf: the host's, with `--dns`, `--dns-search` and
 * `--dns-option` replacing its nameserver, search and options lines as Docker does.
 */
export function resolvConf(
  hostResolv: string,
  hc: { Dns?: string[] | null; DnsSearch?: string[] | null; DnsOptions?: string[] | null },
): string {
  const dns = hc.Dns ?? [];
  const search = hc.DnsSearch ?? [];
  const options = hc.DnsOptions ?? [];
  if (dns.length === 0 && search.length === 0 && options.length === 0) return hostResolv;
  const lines = hostResolv.split('\n').filter((l) => {
    if (dns.length > 0 && /^\s*nameserver\b/.test(l)) return false;
    if (search.length > 0 && /^\s*(search|domain)\b/.test(l)) return false;
    if (options.length > 0 && /^\s*options\b/.test(l)) return false;
    return l.trim() !== '';
  });
  for (const d of dns) lines.push(`nameserver ${d}`);
  // A search list of "." means none, as in Docker.
  if (search.length > 0 && !(search.length === 1 && search[0] === '.')) lines.push(`search ${search.join(' ')}`);
  if (options.length > 0) lines.push(`options ${options.join(' ')}`);
  return `${lines.join('\n')}\n`;
}
