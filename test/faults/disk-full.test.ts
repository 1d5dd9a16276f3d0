/**
 * Disk full: berthd's data root on a small ext4 filesystem of this test's own
 * (a loop device). A container fills it; then a commit must fail with a clear
 * error and leave the store consistent, a running container's logging must
 * not take berthd or the container down, and once space is freed everything
 * works again.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sleep, startDaemon, type TestDaemon } from '../helpers/daemon.ts';

let d: TestDaemon | undefined;
let dir = '';
let mnt = '';
let loop = '';

before(async () => {
  dir = mkdtempSync('/tmp/berth-full-');
  const image = join(dir, 'fs.img');
  mnt = join(dir, 'mnt');
  mkdirSync(mnt);
  execFileSync('truncate', ['-s', '48M', image]);
  execFileSync('mkfs.ext4', ['-q', '-m', '0', image]);
  loop = execFileSync('losetup', ['--find', '--show', image]).toString().trim();
  execFileSync('mount', [loop, mnt]);
  d = await startDaemon({ dataRoot: join(mnt, 'berth') });
  const r = d.berth(['image', 'bootstrap', 'busybox']);
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  await d?.cleanup();
  if (mnt) spawnSync('umount', ['-R', '-l', mnt]);
  if (loop) spawnSync('losetup', ['-d', loop]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const freeBytes = (): number => {
  const s = statfsSync(mnt);
  return s.bavail * s.bsize;
};

test('ENOSPC: commit fails clearly and leaves the store consistent; logging survives; all works once space is freed', async () => {
  const daemon = d as TestDaemon;
  const logger = daemon.berth([
    'run',
    '-d',
    '--name',
    'logger',
    'busybox',
    'sh',
    '-c',
    'i=0; while true; do echo line $i; i=$((i+1)); sleep 0.05; done',
  ]);
  assert.equal(logger.code, 0, logger.stderr);
  const filler = daemon.berth([
    'run',
    '-d',
    '--name',
    'filler',
    'busybox',
    'sh',
    '-c',
    'dd if=/dev/zero of=/fill bs=64k; sleep 600',
  ]);
  assert.equal(filler.code, 0, filler.stderr);
  for (let i = 0; i < 100 && freeBytes() > 64 * 1024; i++) await sleep(100);
  assert.ok(freeBytes() <= 64 * 1024, `the filesystem is full (${freeBytes()} bytes free)`);

  const imagesBefore = daemon.berth(['images', '-q', '--no-trunc']).stdout;
  const commit = daemon.berth(['commit', 'filler', 'full:try']);
  assert.notEqual(commit.code, 0, 'a commit on a full disk fails');
  assert.match(commit.stderr, /no space left on device|disk is full/i);
  assert.equal(commit.stderr.trim().split('\n').length, 1, `one line: ${commit.stderr}`);
  assert.equal(daemon.berth(['images', '-q', '--no-trunc']).stdout, imagesBefore, 'no image from a failed commit');

  // berthd still answers and the logging container still runs.
  assert.equal((await daemon.api('GET', '/_ping')).status, 200);
  const state = (await daemon.api('GET', '/containers/logger/json')).body as { State: { Running: boolean } };
  assert.equal(state.State.Running, true, 'a container whose log cannot grow keeps running');
  const check = daemon.berth(['system', 'check']);
  assert.equal(check.code, 0, `store consistent on a full disk: ${check.stdout}${check.stderr}`);

  // Free the space: everything works again.
  const rmFill = daemon.berth(['exec', 'filler', 'rm', '/fill']);
  assert.equal(rmFill.code, 0, `exec works on a full disk: ${rmFill.stderr}`);
  for (let i = 0; i < 50 && freeBytes() < 8 * 1024 * 1024; i++) await sleep(100);
  const linesBefore = daemon.berth(['logs', 'logger']).stdout.trim().split('\n').length;
  await sleep(1000);
  const linesAfter = daemon.berth(['logs', 'logger']).stdout.trim().split('\n').length;
  assert.ok(linesAfter > linesBefore, `logging resumes once space is freed (${linesBefore} → ${linesAfter} lines)`);
  const again = daemon.berth(['commit', 'filler', 'full:after']);
  assert.equal(again.code, 0, again.stderr);
  const run = daemon.berth(['run', '--rm', 'full:after', 'echo', 'ok']);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, 'ok\n');
  assert.equal(daemon.berth(['system', 'check']).code, 0);
  assert.equal(daemon.berth(['rm', '-f', 'logger', 'filler']).code, 0);
});
