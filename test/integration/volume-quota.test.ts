/**
 * Size quotas (berth extension): `volume create -o size=` and
 * `--storage-opt size=` on a data root that lives on a small xfs filesystem
 * on a loop device of this test's own. Where the kernel enforces xfs project
 * quotas (mounted `prjquota`) writes past the limit fail; where it cannot
 * (a kernel without CONFIG_XFS_QUOTA refuses the `prjquota` mount, as on
 * this project's CI machine) berth must refuse `size=` with a clear error and
 * create nothing.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startDaemon, type TestDaemon } from '../helpers/daemon.ts';

let d: TestDaemon | undefined;
let dir = '';
let mnt = '';
let loop = '';
let quotas = false;

before(async () => {
  dir = mkdtempSync('/tmp/berth-xfs-');
  const image = join(dir, 'xfs.img');
  mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  execFileSync('truncate', ['-s', '320M', image]); // sparse: xfs wants at least 300 MB
  execFileSync('mkfs.xfs', ['-q', image]);
  loop = execFileSync('losetup', ['--find', '--show', image]).toString().trim(); // a free device, taken atomically
  quotas = spawnSync('mount', ['-o', 'prjquota', loop, mnt]).status === 0;
  if (!quotas) execFileSync('mount', [loop, mnt]);
  d = await startDaemon({ dataRoot: join(mnt, 'berth') });
  const r = d.berth(['image', 'bootstrap', 'busybox']);
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  await d?.cleanup();
  if (mnt) spawnSync('umount', ['-R', mnt]);
  if (loop) spawnSync('losetup', ['-d', loop]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('volume size= and --storage-opt size= are enforced on xfs with prjquota, and refused clearly without', () => {
  const daemon = d!;
  const vol = daemon.berth(['volume', 'create', '-o', 'size=1m', 'capped']);
  const ctr = daemon.berth(['run', '--rm', '--storage-opt', 'size=1m', 'busybox', 'true']);
  if (!quotas) {
    assert.equal(vol.code, 1);
    assert.match(vol.stderr, /size quota is only supported on xfs mounted with prjquota; .* is on xfs at /);
    assert.equal(ctr.code, 125);
    assert.match(ctr.stderr, /size quota is only supported on xfs mounted with prjquota/);
    assert.deepEqual(readdirSync(join(mnt, 'berth/volumes')), [], 'no volume left behind');
    assert.equal(daemon.berth(['ps', '-aq']).stdout, '', 'no container left behind');
    return;
  }
  assert.equal(vol.code, 0, vol.stderr);
  const write = 'dd if=/dev/zero of=/q/f bs=64k count=32 && sync';
  const full = daemon.berth(['run', '--rm', '-v', 'capped:/q', 'busybox', 'sh', '-c', write]);
  assert.notEqual(full.code, 0);
  assert.match(full.stderr, /quota exceeded|No space left/i);
  assert.equal(ctr.code, 0, ctr.stderr);
  const root = daemon.berth([
    'run',
    '--rm',
    '--storage-opt',
    'size=1m',
    'busybox',
    'sh',
    '-c',
    write.replaceAll('/q/', '/'),
  ]);
  assert.notEqual(root.code, 0);
  assert.match(root.stderr, /quota exceeded|No space left/i);
});
