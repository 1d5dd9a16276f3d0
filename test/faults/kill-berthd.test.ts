/**
 * Fault injection: a seeded container workload (create, start, exec, stop,
 * kill, restart, rm) runs against berthd, which is SIGKILLed at random moments
 * and started again. After every restart the containers must be consistent
 * (test/faults/consistency.ts), exit codes must be the ones the processes
 * produced, and `always` containers must run again. Then a simulated host
 * reboot (every conmon and container process killed, the exec root cleared)
 * must be recovered the same way, and, at the end, removing everything must
 * leave nothing behind.
 *
 * Replay with BERTH_FAULT_SEED=<seed printed>; more rounds with
 * BERTH_FAULT_ROUNDS=<n> (`make test-faults` runs a longer form).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { mountsUnder, sleep, startDaemonWithBusybox, type TestDaemon } from '../helpers/daemon.ts';
import { seeded, seedFrom } from '../helpers/seeded.ts';
import { cgroupsOf, conmonsOf, settle } from './consistency.ts';

const SEED = seedFrom(process.env.BERTH_FAULT_SEED);
const ROUNDS = Number(process.env.BERTH_FAULT_ROUNDS ?? 5);

const { rand, pick } = seeded(SEED);

/** Containers either sleep (stopped by the workload) or exit by themselves with this code. */
const SELF_EXIT_CODE = 7;
/** Exit codes a container may legitimately show: its own, or a signal the workload or a stop sent. */
const ALLOWED_EXIT = new Set([0, SELF_EXIT_CODE, 128 + 9, 128 + 15]);

let d: TestDaemon;
const known = new Set<string>();

before(async () => {
  d = await startDaemonWithBusybox();
});

after(async () => {
  await d?.cleanup();
});

async function listIds(): Promise<string[]> {
  const r = await d.api('GET', '/containers/json?all=1');
  return (r.body as { Id: string }[]).map((c) => c.Id);
}

/** One workload operation; errors are expected when berthd dies under it. */
async function operation(): Promise<void> {
  const ids = await listIds();
  const some = ids.length > 0 ? pick(ids) : undefined;
  const op = ids.length < 4 ? 'create' : pick(['create', 'start', 'exec', 'stop', 'kill', 'restart', 'rm', 'run']);
  switch (op) {
    case 'create':
    case 'run': {
      const selfExit = rand() < 0.4;
      const cmd = selfExit
        ? ['sh', '-c', `sleep 0.${Math.floor(rand() * 9)}; exit ${SELF_EXIT_CODE}`]
        : ['sleep', '600'];
      const policy = rand() < 0.25 && !selfExit ? 'always' : 'no';
      const r = await d.api('POST', '/containers/create', {
        Image: 'busybox',
        Cmd: cmd,
        Labels: { 'fault.kind': selfExit ? 'self-exit' : 'sleeper' },
        HostConfig: { RestartPolicy: { Name: policy } },
      });
      const id = (r.body as { Id?: string }).Id;
      if (r.status === 201 && id) {
        known.add(id);
        if (op === 'run' || rand() < 0.7) await d.api('POST', `/containers/${id}/start`);
      }
      return;
    }
    case 'start':
      await d.api('POST', `/containers/${some}/start`);
      return;
    case 'exec': {
      const r = await d.api('POST', `/containers/${some}/exec`, { Cmd: ['true'], AttachStdout: true });
      const eid = (r.body as { Id?: string }).Id;
      if (r.status === 201 && eid) await d.api('POST', `/exec/${eid}/start`, { Detach: true });
      return;
    }
    case 'stop':
      await d.api('POST', `/containers/${some}/stop?t=1`);
      return;
    case 'kill':
      await d.api('POST', `/containers/${some}/kill`);
      return;
    case 'restart':
      await d.api('POST', `/containers/${some}/restart?t=1`);
      return;
    case 'rm':
      await d.api('DELETE', `/containers/${some}?force=1`);
      return;
  }
}

async function checkExitCodes(): Promise<string[]> {
  const problems: string[] = [];
  for (const id of await listIds()) {
    const r = await d.api('GET', `/containers/${id}/json`);
    const body = r.body as { State: { Status: string; ExitCode: number } };
    if (body.State.Status === 'exited' && !ALLOWED_EXIT.has(body.State.ExitCode))
      problems.push(`${id.slice(0, 12)} exited with ${body.State.ExitCode}`);
  }
  return problems;
}

async function alwaysContainersRun(): Promise<string[]> {
  const problems: string[] = [];
  const deadline = Date.now() + 10_000;
  for (const id of await listIds()) {
    const r = await d.api('GET', `/containers/${id}/json`);
    const body = r.body as { HostConfig: { RestartPolicy?: { Name?: string } }; State: { Running: boolean } };
    if (body.HostConfig.RestartPolicy?.Name !== 'always') continue;
    let running = body.State.Running;
    while (!running && Date.now() < deadline) {
      await sleep(200);
      running = ((await d.api('GET', `/containers/${id}/json`)).body as { State: { Running: boolean } }).State.Running;
    }
    if (!running) problems.push(`${id.slice(0, 12)} has restart policy always but is not running`);
  }
  return problems;
}

test(`SIGKILL berthd during a container workload (seed ${SEED}, ${ROUNDS} rounds)`, async () => {
  console.log(`# fault seed ${SEED} (replay: BERTH_FAULT_SEED=${SEED})`);
  for (let round = 0; round < ROUNDS; round++) {
    // Some operations in flight, then the kill at a random moment among them.
    const inflight: Promise<void>[] = [];
    const n = 3 + Math.floor(rand() * 5);
    for (let i = 0; i < n; i++) inflight.push(operation().catch(() => {}));
    await sleep(Math.floor(rand() * 400));
    await d.kill9();
    await Promise.allSettled(inflight);
    await d.restart();
    const problems = [...(await settle(d, known)), ...(await checkExitCodes()), ...(await alwaysContainersRun())];
    assert.deepEqual(problems, [], `round ${round} (seed ${SEED}):\n${problems.join('\n')}\n${d.log().slice(-3000)}`);
  }
});

test('a simulated host reboot: every task gone, the exec root cleared; recovery and restart policies', async () => {
  const always = await d.api('POST', '/containers/create', {
    Image: 'busybox',
    Cmd: ['sleep', '600'],
    HostConfig: { RestartPolicy: { Name: 'always' } },
  });
  const plain = await d.api('POST', '/containers/create', { Image: 'busybox', Cmd: ['sleep', '600'] });
  const alwaysId = (always.body as { Id: string }).Id;
  const plainId = (plain.body as { Id: string }).Id;
  known.add(alwaysId);
  known.add(plainId);
  for (const id of [alwaysId, plainId]) assert.equal((await d.api('POST', `/containers/${id}/start`)).status, 204);

  await d.kill9();
  // The reboot: every conmon of this daemon and its container dies, mounts and /run are gone.
  for (const [id, pid] of conmonsOf(d)) {
    for (const cg of cgroupsOf(id).filter((p) => p.includes('/pids/') || p.includes('/unified/'))) {
      for (const p of readFileSync(join(cg, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean)) {
        try {
          process.kill(Number(p), 'SIGKILL');
        } catch {} // already gone
      }
    }
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
  await sleep(300);
  for (const m of mountsUnder(d.dataRoot).sort((a, b) => b.length - a.length)) execFileSync('umount', ['-l', m]);
  for (const entry of readdirSync(d.execRoot)) rmSync(join(d.execRoot, entry), { recursive: true, force: true });

  await d.restart();
  const problems = [...(await settle(d, known)), ...(await alwaysContainersRun())];
  assert.deepEqual(problems, [], `${problems.join('\n')}\n${d.log().slice(-3000)}`);
  const plainState = ((await d.api('GET', `/containers/${plainId}/json`)).body as { State: { Status: string } }).State;
  assert.equal(plainState.Status, 'exited', 'a container without a restart policy stays exited after a reboot');
});

test('a killed conmon or a killed container process: the exit is recorded, nothing is left, `always` comes back', async () => {
  const mk = async (policy: string): Promise<string> => {
    const r = await d.api('POST', '/containers/create', {
      Image: 'busybox',
      Cmd: ['sleep', '600'],
      HostConfig: { RestartPolicy: { Name: policy } },
    });
    const id = (r.body as { Id: string }).Id;
    known.add(id);
    assert.equal((await d.api('POST', `/containers/${id}/start`)).status, 204);
    return id;
  };
  const inspect = async (id: string) =>
    (await d.api('GET', `/containers/${id}/json`)).body as {
      State: { Status: string; Pid: number; ExitCode: number; Running: boolean };
      RestartCount: number;
    };
  const byProcess = await mk('no');
  const byConmon = await mk('no');
  const alwaysConmon = await mk('always');

  process.kill((await inspect(byProcess)).State.Pid, 'SIGKILL');
  const conmons = conmonsOf(d);
  const orphanPid = (await inspect(byConmon)).State.Pid;
  process.kill(conmons.get(byConmon) ?? 0, 'SIGKILL');
  const firstPid = (await inspect(alwaysConmon)).State.Pid;
  process.kill(conmons.get(alwaysConmon) ?? 0, 'SIGKILL');

  const deadline = Date.now() + 15_000;
  const done = async () =>
    (await inspect(byProcess)).State.Status === 'exited' &&
    (await inspect(byConmon)).State.Status === 'exited' &&
    (await inspect(alwaysConmon)).State.Running &&
    (await inspect(alwaysConmon)).State.Pid !== firstPid;
  while (!(await done()) && Date.now() < deadline) await sleep(250);
  assert.equal((await inspect(byProcess)).State.ExitCode, 137, 'SIGKILL of the process is exit 137');
  assert.equal((await inspect(byConmon)).State.Status, 'exited', 'a container whose conmon died is exited');
  const alive = (pid: number): boolean => {
    try {
      return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
    } catch {
      return false;
    }
  };
  for (let i = 0; i < 20 && alive(orphanPid); i++) await sleep(100);
  assert.ok(!alive(orphanPid), 'the process a dead conmon watched is killed, not left unmonitored');
  const a = await inspect(alwaysConmon);
  assert.ok(a.State.Running && a.State.Pid !== firstPid, 'the always container runs again after its conmon died');
  assert.deepEqual(await settle(d, known), []);
});

test('removing every container afterwards leaves nothing behind', async () => {
  for (const id of await listIds()) {
    const r = await d.api('DELETE', `/containers/${id}?force=1`);
    assert.equal(r.status, 204, `rm -f ${id}: ${JSON.stringify(r.body)}\n${d.log().slice(-2000)}`);
  }
  const problems = await settle(d, known);
  assert.deepEqual(problems, []);
  assert.equal(conmonsOf(d).size, 0);
  assert.deepEqual(readdirSync(join(d.dataRoot, 'containers')), []);
});
