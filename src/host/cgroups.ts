/**
 * The host's cgroup layout, detected once at start: v2 (unified), v1, or
 * hybrid (v1 controllers with a v2 hierarchy beside them). crun refuses a
 * hybrid layout whose v2 side still owns a controller; scripts/cgroups-fixup.sh
 * moves such controllers into v1 hierarchies of their own, and `info` reports
 * what was found.
 */
import { existsSync, readFileSync } from 'node:fs';

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
