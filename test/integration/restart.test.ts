/**
 * Containers outlive berthd: SIGKILL the daemon while two containers run,
 * stop one of them during the outage, restart the daemon, and check that the
 * other still runs with a gap-free log and the stopped one shows its real
 * exit code.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sleep, startDaemonWithBusybox, type TestDaemon } from '../helpers/daemon.ts';

let d: TestDaemon;

before(async () => {
  d = await startDaemonWithBusybox();
});

after(async () => {
  await d?.cleanup();
});

function lineNumbers(text: string): number[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => Number.parseInt(l.replace(/^line /, ''), 10));
}

test('SIGKILL of berthd leaves containers running, logs whole and exit codes right', async () => {
  const ticker = d.berth([
    'run',
    '-d',
    '--name',
    'ticker',
    'busybox',
    'sh',
    '-c',
    'i=0; while true; do echo "line $i"; i=$((i+1)); usleep 100000; done',
  ]);
  assert.equal(ticker.code, 0, ticker.stderr);
  const victim = d.berth([
    'run',
    '-d',
    '--name',
    'victim',
    'busybox',
    'sh',
    '-c',
    'trap "exit 42" TERM; while true; do usleep 50000; done',
  ]);
  assert.equal(victim.code, 0, victim.stderr);
  await sleep(500);
  const before = (await d.api('GET', '/containers/ticker/json')).body as { State: { Pid: number } };
  const victimPid = ((await d.api('GET', '/containers/victim/json')).body as { State: { Pid: number } }).State.Pid;
  assert.ok(victimPid > 0);

  await d.kill9();
  // The outage: one container is stopped from outside while berthd is down.
  process.kill(victimPid, 'SIGTERM');
  await sleep(1000);
  await d.restart();

  const after = (await d.api('GET', '/containers/ticker/json')).body as { State: { Running: boolean; Pid: number } };
  assert.equal(after.State.Running, true);
  assert.equal(after.State.Pid, before.State.Pid);

  const v = (await d.api('GET', '/containers/victim/json')).body as { State: { Status: string; ExitCode: number } };
  assert.equal(v.State.Status, 'exited');
  assert.equal(v.State.ExitCode, 42);

  await sleep(300);
  const logs = d.berth(['logs', 'ticker']);
  assert.equal(logs.code, 0, logs.stderr);
  const nums = lineNumbers(logs.stdout);
  assert.ok(nums.length >= 15, `expected the log to have grown through the outage, got ${nums.length} lines`);
  nums.forEach((n, i) => {
    assert.equal(n, i, `log gap at line ${i}`);
  });

  // And the restarted daemon still controls the surviving container.
  const stop = d.berth(['stop', '-t', '1', 'ticker']);
  assert.equal(stop.code, 0, stop.stderr);
  const st = (await d.api('GET', '/containers/ticker/json')).body as { State: { Status: string } };
  assert.equal(st.State.Status, 'exited');
});

test('a restarted berthd removes tasks that no container record knows', async () => {
  const r = d.berth(['run', '-d', '--name', 'host', 'busybox', 'sleep', '300']);
  assert.equal(r.code, 0, r.stderr);
  const id = r.stdout.trim();
  await d.kill9();
  // Debris as a crash could leave it: a task in berthd's runtime root with no record.
  const crunRoot = join(d.execRoot, 'crun');
  // Its own bundle (its own cgroup), on the container's mounted rootfs.
  const spec = JSON.parse(readFileSync(join(d.dataRoot, 'containers', id, 'config.json'), 'utf8'));
  spec.linux.cgroupsPath = '/berth/orphan-1';
  const bundle = join(d.dir, 'orphan-bundle');
  mkdirSync(bundle);
  writeFileSync(join(bundle, 'config.json'), JSON.stringify(spec));
  // stdio ignored: the detached container would otherwise hold our pipes open.
  const made = spawnSync('crun', [`--root=${crunRoot}`, 'run', '--detach', '--bundle', bundle, 'orphan-1'], {
    stdio: 'ignore',
  });
  assert.equal(made.status, 0);
  assert.ok(existsSync(join(crunRoot, 'orphan-1')));
  // And an exec session's files, as a kill during an exec leaves them.
  mkdirSync(join(d.execRoot, 'exec', 'stale-exec'), { recursive: true });
  await d.restart();
  assert.equal(existsSync(join(crunRoot, 'orphan-1')), false);
  assert.equal(existsSync(join(d.execRoot, 'exec', 'stale-exec')), false);
  const st = (await d.api('GET', '/containers/host/json')).body as { State: { Running: boolean } };
  assert.equal(st.State.Running, true);
  assert.equal(d.berth(['rm', '-f', 'host']).code, 0);
});
