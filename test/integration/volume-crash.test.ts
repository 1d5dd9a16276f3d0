/**
 * Kill tests: berthd is SIGKILLed (BERTH_FAILPOINTS) in the middle of a
 * volume create, a copy-up and a prune. After a restart, `berth system
 * check` names what was left half done and `--repair` fixes it: afterwards
 * no record lacks its data, no data lacks its record, and the files of every
 * other volume are untouched.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { startDaemonWithBusybox, type TestDaemon } from '../helpers/daemon.ts';

let d: TestDaemon;

before(async () => {
  d = await startDaemonWithBusybox();
  // A volume no crash may touch.
  assert.equal(
    d.berth(['run', '--rm', '-v', 'bystander:/b', 'busybox', 'sh', '-c', 'echo precious > /b/file']).code,
    0,
  );
});

after(async () => {
  await d?.cleanup();
});

/** Runs `args` with berthd armed to die at `point`, then restarts it unarmed. */
async function crashAt(point: string, args: string[]): Promise<void> {
  await d.stop();
  await d.restart({ env: { BERTH_FAILPOINTS: point } });
  const r = d.berth(args);
  assert.notEqual(r.code, 0, 'the command cannot succeed: berthd dies under it');
  assert.equal(await d.exited(), 'SIGKILL');
  await d.restart();
}

/** Records (volume ls) and directories (volumes/) name exactly the same volumes. */
function assertConsistent(): void {
  const listed = d.berth(['volume', 'ls', '-q']).stdout.split('\n').filter(Boolean).sort();
  const dirs = readdirSync(join(d.dataRoot, 'volumes')).sort();
  assert.deepEqual(dirs, listed);
  for (const name of listed) assert.ok(existsSync(join(d.dataRoot, 'volumes', name, '_data')), name);
  assert.equal(readFileSync(join(d.dataRoot, 'volumes/bystander/_data/file'), 'utf8'), 'precious\n');
  const clean = d.berth(['system', 'check']);
  assert.equal(clean.code, 0, clean.stdout);
  assert.equal(clean.stdout, 'no problems found\n');
}

test('a kill during volume create is undone by system check --repair; the name can be used again', async () => {
  for (const point of ['volume-create-after-record', 'volume-create-after-mkdir']) {
    await crashAt(point, ['volume', 'create', 'half']);
    const check = d.berth(['system', 'check']);
    assert.equal(check.code, 1, check.stdout);
    assert.match(check.stdout, /^volume half: creation was interrupted$/m);
    const repair = d.berth(['system', 'check', '--repair']);
    assert.equal(repair.code, 0, repair.stdout);
    assert.match(repair.stdout, /volume half: creation was interrupted: record and data removed \(repaired\)/);
    assertConsistent();
    assert.ok(!existsSync(join(d.dataRoot, 'volumes/half')));
  }
  assert.equal(d.berth(['volume', 'create', 'half']).code, 0);
  assert.equal(d.berth(['volume', 'rm', 'half']).code, 0);
});

test('a kill during copy-up never leaves half a copy in the volume; the next start copies again', async () => {
  assert.equal(d.berth(['create', '--name', 'cu', '-v', 'copied:/etc', 'busybox', 'ls', '/etc']).code, 0);
  await crashAt('volume-copyup-after-copy', ['start', 'cu']);
  assert.deepEqual(readdirSync(join(d.dataRoot, 'volumes/copied/_data')), [], 'the volume itself is still empty');
  const check = d.berth(['system', 'check']);
  assert.match(check.stdout, /^volume copied: copy-up was interrupted$/m);
  assert.equal(d.berth(['system', 'check', '--repair']).code, 0);
  assertConsistent();
  const again = d.berth(['start', '-a', 'cu']);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, /^passwd$/m);

  // Killed after the empty _data was replaced but before the copy moved in: repair moves it in.
  assert.equal(d.berth(['create', '--name', 'cu2', '-v', 'copied2:/etc', 'busybox', 'true']).code, 0);
  await crashAt('volume-copyup-after-rmdir', ['start', 'cu2']);
  const repair = d.berth(['system', 'check', '--repair']);
  assert.match(repair.stdout, /volume copied2: copy-up was interrupted after the copy: the copy put in place/);
  assertConsistent();
  assert.ok(existsSync(join(d.dataRoot, 'volumes/copied2/_data/passwd')));
  assert.equal(d.berth(['rm', '-v', 'cu', 'cu2']).code, 0);
  assert.equal(d.berth(['volume', 'rm', 'copied', 'copied2']).code, 0);
});

test('a kill during prune: the volume being removed is finished by --repair, the others stay whole', async () => {
  for (const n of ['p1', 'p2', 'p3']) {
    assert.equal(d.berth(['volume', 'create', '--label', 'prune=me', n]).code, 0);
    assert.equal(d.berth(['run', '--rm', '-v', `${n}:/v`, 'busybox', 'sh', '-c', `echo ${n} > /v/f`]).code, 0);
  }
  await crashAt('volume-remove-after-mark', ['volume', 'prune', '-af', '--filter', 'label=prune=me']);
  const check = d.berth(['system', 'check']);
  const interrupted = /^volume (p\d): removal was interrupted$/m.exec(check.stdout);
  assert.ok(interrupted, check.stdout);
  const gone = interrupted[1];
  assert.equal(d.berth(['system', 'check', '--repair']).code, 0);
  assertConsistent();
  const left = d.berth(['volume', 'ls', '-q', '--filter', 'label=prune=me']).stdout.split('\n').filter(Boolean);
  assert.deepEqual(
    left.sort(),
    ['p1', 'p2', 'p3'].filter((n) => n !== gone),
  );
  for (const n of left) assert.equal(readFileSync(join(d.dataRoot, 'volumes', n, '_data/f'), 'utf8'), `${n}\n`);
  // A kill between two removals leaves nothing to repair.
  await crashAt('volume-prune-after-one', ['volume', 'prune', '-af', '--filter', 'label=prune=me']);
  assertConsistent();
  assert.equal(
    d.berth(['volume', 'ls', '-q', '--filter', 'label=prune=me']).stdout.split('\n').filter(Boolean).length,
    1,
  );
});
