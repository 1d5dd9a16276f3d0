/**
 * Project quotas (xfs `prjquota`): a directory tree gets a project ID and a
 * hard block limit, so what is written under it cannot exceed the limit. Used
 * for volume `size=` and container `--storage-opt size=`. Other filesystems
 * have no such per-directory limit: callers get a clear 'invalid-argument'.
 */
import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { invalidArgument } from '../lib/errors.ts';
import { run } from './exec.ts';

/** The mount that holds a path: its mount point, filesystem type and super options. */
export interface BackingFs {
  mountPoint: string;
  fsType: string;
  superOptions: string[];
}

/** The filesystem `path` lives on (longest mount point prefix in /proc/self/mountinfo). */
export function backingFs(path: string): BackingFs {
  let best: BackingFs = { mountPoint: '/', fsType: '', superOptions: [] };
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const fields = line.split(' ');
    const mp = (fields[4] ?? '').replace(/\\040/g, ' ');
    const dash = fields.indexOf('-');
    if (mp === '' || dash < 0) continue;
    const inside = mp === '/' || path === mp || path.startsWith(`${mp}/`);
    if (inside && mp.length >= best.mountPoint.length) {
      best = { mountPoint: mp, fsType: fields[dash + 1] ?? '', superOptions: (fields[dash + 3] ?? '').split(',') };
    }
  }
  return best;
}

/** Whether project quotas are enforced on the filesystem of `path`. */
export function supportsProjectQuota(path: string): boolean {
  const fs = backingFs(path);
  return fs.fsType === 'xfs' && fs.superOptions.some((o) => o === 'prjquota' || o === 'pquota');
}

/**
 * Gives `dir` (an empty or new directory) project ID `projectId` and a hard
 * limit of `bytes`. 'invalid-argument' when the filesystem cannot do it.
 */
export async function setDirQuota(dir: string, projectId: number, bytes: number): Promise<void> {
  const fs = backingFs(dir);
  if (!supportsProjectQuota(dir)) {
    throw invalidArgument(
      `size quota is only supported on xfs mounted with prjquota; ${dir} is on ${fs.fsType || 'an unknown filesystem'} at ${fs.mountPoint}`,
    );
  }
  if (!(await stat(dir)).isDirectory()) throw invalidArgument(`${dir} is not a directory`);
  await run('xfs_quota', ['-x', '-c', `project -s -p ${dir} ${projectId}`, fs.mountPoint]);
  await run('xfs_quota', ['-x', '-c', `limit -p bhard=${bytes} ${projectId}`, fs.mountPoint]);
}

/** Lifts the limit of `projectId` (when its directory goes away). */
export async function clearQuota(path: string, projectId: number): Promise<void> {
  if (!supportsProjectQuota(path)) return;
  await run('xfs_quota', ['-x', '-c', `limit -p bhard=0 ${projectId}`, backingFs(path).mountPoint]).catch(() => {});
}
