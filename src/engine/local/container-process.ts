/**
 * Host-facing helpers for a container's process options: block devices by
 * path (for blkio limits), the namespaces a container gets or joins, and the
 * host facts the resource checks need.
 */
import { statSync } from 'node:fs';
import { cpus } from 'node:os';
import type { HostConfig } from '../types.ts';
import { conflict, invalidArgument } from '../../lib/errors.ts';
import type { CgroupLayout } from '../../host/cgroups.ts';
import type { ContainerSpec } from '../../core/containers/spec.ts';
import { parseNamespaceMode } from './container-config.ts';
import type { ResourceHost } from './container-resources.ts';

/** The numbers of the block device at `path` (`--device-read-bps /dev/sda:1mb`). */
export function blockDevice(path: string): { major: number; minor: number } {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(path);
  } catch {
    throw invalidArgument(
      `error gathering device information while adding device "${path}": no such file or directory`,
    );
  }
  if (!st.isBlockDevice()) throw invalidArgument(`${path} is not a block device`);
  const rdev = st.rdev;
  // Linux's dev_t encoding (glibc gnu_dev_major/minor).
  const major = ((rdev >>> 8) & 0xfff) | (Math.floor(rdev / 2 ** 32) & ~0xfff);
  const minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xff);
  return { major, minor };
}

export function resourceHost(cgroups: CgroupLayout): ResourceHost {
  return { ncpu: cpus().length, features: cgroups.features, cgroupVersion: cgroups.version };
}

/**
 * The namespaces of a container about to start and its /dev/shm. `peer`
 * gives the host PID and shm directory of a running container to join
 * (container:<ref>; its shm only if it is shareable); `ownShm` is where a shareable container's shm is mounted.
 */
export function namespacePlan(
  hc: HostConfig,
  cgroups: CgroupLayout,
  peer: (ref: string) => { id: string; pid: number; shm?: string },
  ownShm: string,
): { namespaces: NonNullable<ContainerSpec['namespaces']>; shm: NonNullable<ContainerSpec['shm']> } {
  const pid = parseNamespaceMode('pid', hc.PidMode);
  const ipc = parseNamespaceMode('ipc', hc.IpcMode);
  const uts = parseNamespaceMode('uts', hc.UTSMode);
  const cg = parseNamespaceMode('cgroupns', hc.CgroupnsMode);
  const namespaces: NonNullable<ContainerSpec['namespaces']> = {
    uts: uts.kind === 'host' ? 'host' : 'private',
    cgroup: hc.CgroupnsMode ? (cg.kind === 'host' ? 'host' : 'private') : cgroups.version === '2' ? 'private' : 'host',
  };
  if (pid.kind === 'host') namespaces.pid = { mode: 'host' };
  else if (pid.kind === 'container') namespaces.pid = { mode: 'path', path: `/proc/${peer(pid.ref).pid}/ns/pid` };
  let shm: NonNullable<ContainerSpec['shm']> = { mode: 'tmpfs' };
  if (ipc.kind === 'host') {
    namespaces.ipc = { mode: 'host' };
    shm = { mode: 'bind', source: '/dev/shm' };
  } else if (ipc.kind === 'container') {
    const p = peer(ipc.ref);
    if (p.shm === undefined) {
      throw conflict(`container ${p.id}: non-shareable IPC (hint: use IpcMode:shareable for the donor container)`);
    }
    namespaces.ipc = { mode: 'path', path: `/proc/${p.pid}/ns/ipc` };
    shm = { mode: 'bind', source: p.shm };
  } else if (ipc.kind === 'none') {
    shm = { mode: 'none' };
  } else if (hc.IpcMode === 'shareable') {
    // As Docker: a shareable container's /dev/shm is a tmpfs mounted on the host, so others can bind it.
    shm = { mode: 'bind', source: ownShm };
  }
  return { namespaces, shm };
}
