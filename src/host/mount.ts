/**
 * Mounting and unmounting through mount(8)/umount(8). The snapshotter
 * describes mounts; only the runtime side calls these.
 */
import { readFile } from 'node:fs/promises';
import { CommandError, run } from './exec.ts';

/** A mount description as the snapshotter returns it. */
export interface MountSpec {
  type: string;
  source: string;
  options: string[];
}

export async function mount(m: MountSpec, target: string): Promise<void> {
  await run('mount', ['-t', m.type, '-o', m.options.join(','), m.source, target]);
}

/** Unmounts `target`; a target that is not mounted is not an error. */
export async function unmount(target: string): Promise<void> {
  try {
    await run('umount', [target]);
  } catch (err) {
    if (err instanceof CommandError && /not mounted|no mount point|No such file/i.test(err.stderr)) return;
    throw err;
  }
}

/** Whether something is mounted exactly at `target`. */
export async function isMounted(target: string): Promise<boolean> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  for (const line of text.split('\n')) {
    const mp = line.split(' ')[4];
    if (mp !== undefined && mp.replace(/\\040/g, ' ') === target) return true;
  }
  return false;
}
