/**
 * Containers on the real kernel through berthd: interactive attach latency,
 * failures that must leave nothing behind, clean shutdown that leaves
 * containers running, and the berth CLI's answers to bad input.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { mountsUnder, sleep, startDaemonWithBusybox, type TestDaemon } from '../helpers/daemon.ts';

let d: TestDaemon;

before(async () => {
  d = await startDaemonWithBusybox();
});

after(async () => {
  await d?.cleanup();
});

/** Cgroup directories berth made for container `id`, in any hierarchy. */
function cgroupsOf(id: string): string[] {
  const out: string[] = [];
  for (const h of readdirSync('/sys/fs/cgroup')) {
    const p = join('/sys/fs/cgroup', h, 'berth', id);
    if (existsSync(p)) out.push(p);
  }
  return out;
}

test('typed input reaches a -t container at once (no lag of one keystroke)', async () => {
  const run = d.berth(['run', '-d', '-i', '-t', '--name', 'typing', 'busybox', 'sh']);
  assert.equal(run.code, 0, run.stderr);
  const sock = connect(d.socket);
  let seen = '';
  sock.on('data', (b: Buffer) => {
    seen += b.toString();
  });
  sock.write(
    'POST /v1.47/containers/typing/attach?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n',
  );
  await sleep(300);
  // Keystrokes one by one, as a terminal sends them; then no further input.
  for (const ch of 'echo $((6*7))\n') sock.write(ch);
  const deadline = Date.now() + 3000;
  while (!/\n42\r?\n/.test(seen) && Date.now() < deadline) await sleep(20);
  sock.destroy();
  assert.match(seen, /\n42\r?\n/, `no echo of the command's output without further input: ${JSON.stringify(seen)}`);
  assert.equal(d.berth(['rm', '-f', 'typing']).code, 0);
});

test('a create that fails part way leaves no record, directory, layer or mount', async () => {
  const before = readdirSync(join(d.dataRoot, 'containers'));
  // The bind source cannot be created (its parent is a file): create fails after the snapshot was made.
  const r = await d.api('POST', '/containers/create?name=halfway', {
    Image: 'busybox',
    Cmd: ['true'],
    HostConfig: { Binds: ['/etc/hostname/sub:/x'] },
  });
  assert.ok(r.status >= 400, `expected an error, got ${r.status}`);
  assert.deepEqual(readdirSync(join(d.dataRoot, 'containers')), before);
  const ps = d.berth(['ps', '-a', '--format', '{{.Names}}']);
  assert.doesNotMatch(ps.stdout, /halfway/);
  assert.deepEqual(mountsUnder(d.dataRoot), []);
  // The name is free again.
  const again = d.berth(['create', '--name', 'halfway', 'busybox', 'true']);
  assert.equal(again.code, 0, again.stderr);
  assert.equal(d.berth(['rm', 'halfway']).code, 0);
});

test('a start that fails (missing command) exits 127 and leaves no mount, cgroup or task', () => {
  const r = d.berth(['run', '--name', 'nocmd', 'busybox', 'no-such-command']);
  assert.equal(r.code, 127, r.stderr);
  assert.match(r.stderr, /executable file not found/);
  const id = d.berth(['inspect', '--format', '{{.Id}}', 'nocmd']).stdout.trim();
  assert.match(id, /^[0-9a-f]{64}$/);
  assert.equal(
    d.berth(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}}', 'nocmd']).stdout.trim(),
    'created 127',
  );
  assert.deepEqual(mountsUnder(join(d.dataRoot, 'containers', id)), []);
  assert.deepEqual(cgroupsOf(id), []);
  assert.equal(existsSync(join(d.execRoot, 'crun', id)), false);
  assert.equal(d.berth(['rm', 'nocmd']).code, 0);
  assert.equal(existsSync(join(d.dataRoot, 'containers', id)), false);
});

test('rm of an exited container removes its mount, cgroup, task state and files', async () => {
  const r = d.berth(['run', '--name', 'done', 'busybox', 'echo', 'hi']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'hi\n');
  const id = d.berth(['inspect', '--format', '{{.Id}}', 'done']).stdout.trim();
  assert.equal(d.berth(['rm', 'done']).code, 0);
  assert.deepEqual(mountsUnder(join(d.dataRoot, 'containers', id)), []);
  assert.deepEqual(cgroupsOf(id), []);
  assert.equal(existsSync(join(d.execRoot, 'crun', id)), false);
  assert.equal(existsSync(join(d.dataRoot, 'containers', id)), false);
});

test('berth CLI: bad input is one line and exit 125, unknown things are 404-style messages', () => {
  const badFlag = d.berth(['run', '--no-such-flag', 'busybox', 'true']);
  assert.equal(badFlag.code, 125);
  assert.match(badFlag.stderr, /unknown flag/);
  const badValue = d.berth(['stop', '-t', 'soon', 'x']);
  assert.equal(badValue.code, 125, badValue.stderr);
  const badName = d.berth(['run', '--name', 'bad name', 'busybox', 'true']);
  assert.equal(badName.code, 125);
  assert.match(badName.stderr, /Invalid container name/);
  const noImage = d.berth(['run', 'no-such-image']);
  assert.equal(noImage.code, 125);
  assert.match(noImage.stderr, /No such image: no-such-image:latest/);
  const noCtr = d.berth(['logs', 'ghost']);
  assert.notEqual(noCtr.code, 0);
  assert.match(noCtr.stderr, /No such container: ghost/);
  d.berth(['create', '--name', 'dup', 'busybox', 'true']);
  const dup = d.berth(['create', '--name', 'dup', 'busybox', 'true']);
  assert.equal(dup.code, 125);
  assert.match(dup.stderr, /already in use/);
  assert.equal(d.berth(['rm', 'dup']).code, 0);
});

test('SIGTERM stops berthd cleanly and leaves containers running', async () => {
  const r = d.berth(['run', '-d', '--name', 'stays', 'busybox', 'sleep', '300']);
  assert.equal(r.code, 0, r.stderr);
  const pid = ((await d.api('GET', '/containers/stays/json')).body as { State: { Pid: number } }).State.Pid;
  await d.stop();
  assert.doesNotThrow(() => process.kill(pid, 0), 'the container process died with the daemon');
  await d.restart();
  const st = (await d.api('GET', '/containers/stays/json')).body as { State: { Running: boolean; Pid: number } };
  assert.equal(st.State.Running, true);
  assert.equal(st.State.Pid, pid);
  assert.equal(d.berth(['rm', '-f', 'stays']).code, 0);
});

test('rlimits: inherited from berthd by default, --ulimit applied, above the hard limit refused clearly', async () => {
  const { hardLimits } = await import('../../src/host/rlimits.ts');
  const hard = hardLimits().nofile;
  const def = d.berth(['run', '--rm', 'busybox', 'sh', '-c', 'ulimit -Hn']);
  assert.equal(def.code, 0, def.stderr);
  assert.equal(def.stdout.trim(), hard === Number.POSITIVE_INFINITY ? 'unlimited' : String(hard));
  const set = d.berth(['run', '--rm', '--ulimit', 'nofile=100:200', 'busybox', 'sh', '-c', 'ulimit -n; ulimit -Hn']);
  assert.equal(set.code, 0, set.stderr);
  assert.equal(set.stdout, '100\n200\n');
  const tooHigh = d.berth(['run', '--rm', '--ulimit', 'nofile=99999999', 'busybox', 'true']);
  assert.equal(tooHigh.code, 125);
  assert.match(tooHigh.stderr, /exceeds the hard limit berthd runs with/);
  assert.equal(tooHigh.stderr.trim().split('\n').length, 1);
});

/** Attaches over a hijacked connection, sends `input`, half-closes, and returns what came back before the server ended. */
function attachOnce(input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(d.socket);
    let seen = '';
    sock.on('data', (b: Buffer) => {
      seen += b.toString();
    });
    sock.on('close', () => resolve(seen));
    sock.on('error', reject);
    sock.write(
      'POST /v1.47/containers/reader/attach?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n',
    );
    setTimeout(() => {
      sock.write(input);
      setTimeout(() => sock.end(), 300);
    }, 200);
    setTimeout(() => {
      sock.destroy();
      reject(new Error(`attach did not end after the client's EOF: ${JSON.stringify(seen)}`));
    }, 5000);
  });
}

test('a -d -i container keeps its stdin across attaches; the client EOF ends only the session', async () => {
  const r = d.berth([
    'run',
    '-d',
    '-i',
    '--name',
    'reader',
    'busybox',
    'sh',
    '-c',
    'while read l; do echo "got $l"; done',
  ]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(await attachOnce('one\n'), /got one/);
  assert.match(await attachOnce('two\n'), /got two/);
  const st = (await d.api('GET', '/containers/reader/json')).body as { State: { Running: boolean } };
  assert.equal(st.State.Running, true);
  assert.equal(d.berth(['logs', 'reader']).stdout, 'got one\ngot two\n');
  assert.equal(d.berth(['rm', '-f', 'reader']).code, 0);
});

test("the host's default seccomp profile filters every container's syscalls", () => {
  const r = d.berth(['run', '--rm', 'busybox', 'grep', '^Seccomp:', '/proc/self/status']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Seccomp:\s+2$/m);
  // A call the profile denies without CAP_SYS_ADMIN (and the capability is not granted either).
  const denied = d.berth(['run', '--rm', 'busybox', 'unshare', '-m', 'true']);
  assert.notEqual(denied.code, 0);
  // Later containers reuse the filter crun compiled once (passed back as raw BPF), and are filtered alike.
  const again = d.berth(['run', '-d', '--name', 'filtered', 'busybox', 'sleep', '60']);
  assert.equal(again.code, 0, again.stderr);
  const spec = JSON.parse(readFileSync(join(d.dataRoot, 'containers', again.stdout.trim(), 'config.json'), 'utf8'));
  assert.ok(spec.annotations?.['run.oci.seccomp_bpf_data'], 'no precompiled filter passed');
  const st = d.berth(['exec', 'filtered', 'grep', '^Seccomp:', '/proc/1/status']);
  assert.match(st.stdout, /^Seccomp:\s+2$/m);
  assert.equal(d.berth(['rm', '-f', 'filtered']).code, 0);
});

test('--cap-drop, --cap-add, --privileged and --security-opt have their effect inside the container', () => {
  const chown = d.berth(['run', '--rm', '--cap-drop', 'ALL', 'busybox', 'chown', 'nobody', '/tmp']);
  assert.notEqual(chown.code, 0);
  assert.match(chown.stderr + chown.stdout, /Operation not permitted/);
  const add = d.berth(['run', '--rm', '--cap-drop', 'ALL', '--cap-add', 'CHOWN', 'busybox', 'chown', 'nobody', '/tmp']);
  assert.equal(add.code, 0, add.stderr);
  const unconfined = d.berth([
    'run',
    '--rm',
    '--security-opt',
    'seccomp=unconfined',
    'busybox',
    'grep',
    '^Seccomp:',
    '/proc/self/status',
  ]);
  assert.match(unconfined.stdout, /^Seccomp:\s+0$/m);
  const privileged = d.berth(['run', '--rm', '--privileged', 'busybox', 'grep', '^Seccomp:', '/proc/self/status']);
  assert.match(privileged.stdout, /^Seccomp:\s+0$/m);
  const nnp = d.berth([
    'run',
    '--rm',
    '--security-opt',
    'no-new-privileges',
    'busybox',
    'grep',
    '^NoNewPrivs:',
    '/proc/self/status',
  ]);
  assert.match(nnp.stdout, /^NoNewPrivs:\s+1$/m);
  const badCap = d.berth(['run', '--rm', '--cap-add', 'NOT_A_CAP', 'busybox', 'true']);
  assert.equal(badCap.code, 125);
  assert.match(badCap.stderr, /unknown capability/);
  const badOpt = d.berth(['run', '--rm', '--security-opt', 'bogus=1', 'busybox', 'true']);
  assert.equal(badOpt.code, 125);
  assert.match(badOpt.stderr, /invalid --security-opt/);
});

test('exec processes get the container capabilities', () => {
  assert.equal(d.berth(['run', '-d', '--name', 'nocaps', '--cap-drop', 'ALL', 'busybox', 'sleep', '60']).code, 0);
  const ex = d.berth(['exec', 'nocaps', 'grep', '^CapEff:', '/proc/self/status']);
  assert.match(ex.stdout, /^CapEff:\s+0+$/m);
  assert.equal(d.berth(['rm', '-f', 'nocaps']).code, 0);
});
