/**
 * The host's cgroup layout, detected once at start: v2 (unified), v1, or
 * hybrid (v1 controllers with a v2 hierarchy beside them). crun refuses a
 * hybrid layout whose v2 side still owns a controller; scripts/cgroups-fixup.sh
 * moves such controllers into v1 hierarchies of their own, and `info` reports
 * what was found.
 */
import { existsSync, readFileSync } from 'node:fs';
import { rmdir } from 'node:fs/promises';
import { join } from 'node:path';

export interface CgroupLayout {
  version: '1' | '2';
  /** Controllers still bound to a v2 hierarchy on a v1 host (crun rejects these). */
  hybridV2Controllers: string[];
  warnings: string[];
}

export function detectCgroups(root = '/sys/fs/cgroup'): CgroupLayout {
  if (existsSync(`${root}/cgroup.controllers`)) return { version: '2', hybridV2Controllers: [], warnings: [] };
  const unified = `${root}/unified/cgroup.controllers`;
  const hybrid = existsSync(unified) ? readFileSync(unified, 'utf8').trim().split(/\s+/).filter(Boolean) : [];
  const warnings = hybrid.length
    ? [
        `cgroups: the v2 hierarchy owns ${hybrid.join(', ')}; the OCI runtime rejects this hybrid layout (run scripts/cgroups-fixup.sh)`,
      ]
    : [];
  return { version: '1', hybridV2Controllers: hybrid, warnings };
}

/** Mount points of every cgroup hierarchy (v1 controllers, named v1 hierarchies, v2). */
export function cgroupMounts(mountinfo = readFileSync('/proc/self/mountinfo', 'utf8')): string[] {
  const out: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const [pre, post] = line.split(' - ');
    const fstype = post?.split(' ')[0];
    if (fstype !== 'cgroup' && fstype !== 'cgroup2') continue;
    const mountPoint = pre?.split(' ')[4];
    if (mountPoint) out.push(mountPoint);
  }
  return out;
}

/**
 * Removes a container's cgroup directories in every hierarchy once its task
 * is gone. The runtime normally does this on delete; when its state was lost
 * (a cleared exec root, a killed runtime) the directories would stay behind.
 * Only empty cgroups can be removed (rmdir), so a live one is never touched.
 */
export async function removeCgroup(relPath: string): Promise<void> {
  const rel = relPath.replace(/^\/+/, '');
  await Promise.all(
    cgroupMounts().map((m) =>
      rmdir(join(m, rel)).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT' && err.code !== 'EBUSY') throw err;
      }),
    ),
  );
}
