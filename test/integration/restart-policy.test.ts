/**
 * Restart policies: on-failure:N stops after N restarts, always brings a
 * container back when its process dies and when berthd restarts, and stop
 * means stopped.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sleep, startDaemonWithBusybox, type TestDaemon } from '../helpers/daemon.ts';

let d: TestDaemon;

before(async () => {
  d = await startDaemonWithBusybox();
});

after(async () => {
  await d?.cleanup();
});

interface State {
  RestartCount: number;
  State: { Status: string; Running: boolean; Pid: number; ExitCode: number };
}

async function state(name: string): Promise<State> {
  return (await d.api('GET', `/containers/${name}/json`)).body as State;
}

async function until(what: string, pred: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await pred()) return;
    await sleep(50);
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('on-failure:3 restarts a failing container three times, then leaves it exited', async () => {
  const r = d.berth(['run', '-d', '--name', 'flaky', '--restart', 'on-failure:3', 'busybox', 'sh', '-c', 'exit 1']);
  assert.equal(r.code, 0, r.stderr);
  await until('three restarts', async () => (await state('flaky')).RestartCount === 3);
  // Back-off after the third restart would be 800 ms: wait past it and check nothing more happens.
  await sleep(1500);
  const s = await state('flaky');
  assert.equal(s.RestartCount, 3);
  assert.equal(s.State.Status, 'exited');
  assert.equal(s.State.ExitCode, 1);
  assert.equal(d.berth(['rm', 'flaky']).code, 0);
});

test('on-failure does not restart a clean exit', async () => {
  const r = d.berth(['run', '-d', '--name', 'clean', '--restart', 'on-failure', 'busybox', 'true']);
  assert.equal(r.code, 0, r.stderr);
  await until('exit', async () => (await state('clean')).State.Status === 'exited');
  await sleep(500);
  assert.equal((await state('clean')).RestartCount, 0);
  assert.equal(d.berth(['rm', 'clean']).code, 0);
});

test('always: back after its process is killed, and after berthd is killed and restarted; stop means stopped', async () => {
  const r = d.berth(['run', '-d', '--name', 'phoenix', '--restart', 'always', 'busybox', 'sleep', '300']);
  assert.equal(r.code, 0, r.stderr);
  const first = (await state('phoenix')).State.Pid;
  process.kill(first, 'SIGKILL');
  await until('a restart', async () => {
    const s = await state('phoenix');
    return s.State.Running && s.State.Pid !== first;
  });

  await d.kill9();
  process.kill((await readPidWhileDown()) ?? 0, 'SIGKILL');
  await sleep(300);
  await d.restart();
  await until('a restart after the daemon came back', async () => (await state('phoenix')).State.Running);

  assert.equal(d.berth(['stop', '-t', '1', 'phoenix']).code, 0);
  await sleep(500);
  assert.equal((await state('phoenix')).State.Status, 'exited');
  assert.equal(d.berth(['rm', 'phoenix']).code, 0);
});

test('daemon start: a stopped `always` container starts again, a stopped `unless-stopped` one stays stopped (as Docker)', async () => {
  assert.equal(d.berth(['run', '-d', '--name', 'always-s', '--restart', 'always', 'busybox', 'sleep', '300']).code, 0);
  assert.equal(
    d.berth(['run', '-d', '--name', 'unless-s', '--restart', 'unless-stopped', 'busybox', 'sleep', '300']).code,
    0,
  );
  assert.equal(d.berth(['stop', '-t', '1', 'always-s', 'unless-s']).code, 0);
  await d.stop();
  await d.restart();
  await until('the always container to start with the daemon', async () => (await state('always-s')).State.Running);
  assert.equal((await state('unless-s')).State.Status, 'exited');
  assert.equal(d.berth(['rm', '-f', 'always-s', 'unless-s']).code, 0);
});

/** The container's pid from its runtime pid file (berthd is down, so not from the API). */
async function readPidWhileDown(): Promise<number | undefined> {
  const { readdirSync, readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  for (const id of readdirSync(join(d.execRoot, 'tasks'))) {
    const pid = Number.parseInt(readFileSync(join(d.execRoot, 'tasks', id, 'pid'), 'utf8'), 10);
    if (pid > 0) return pid;
  }
  return undefined;
}
