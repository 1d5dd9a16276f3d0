/**
 * The real docker CLI (28.2, client only) against berthd: the commands a
 * Docker user types first. Each runs the actual binary over berthd's socket.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { startDaemonWithBusybox, type TestDaemon } from '../helpers/daemon.ts';

let d: TestDaemon;

before(async () => {
  d = await startDaemonWithBusybox();
});

after(async () => {
  await d?.cleanup();
});

test('docker version and info talk to berthd', () => {
  const v = d.docker(['version', '--format', '{{.Server.APIVersion}}']);
  assert.equal(v.code, 0, v.stderr);
  assert.match(v.stdout.trim(), /^1\.\d+$/);
  const i = d.docker(['info', '--format', '{{.CgroupDriver}} {{.Driver}}']);
  assert.equal(i.code, 0, i.stderr);
  assert.equal(i.stdout.trim(), 'cgroupfs overlay2');
});

test('docker images and image inspect', () => {
  const r = d.docker(['images', '--format', '{{.Repository}}:{{.Tag}}']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^busybox:latest$/m);
  const i = d.docker(['image', 'inspect', 'busybox', '--format', '{{.Os}} {{len .RootFS.Layers}}']);
  assert.equal(i.code, 0, i.stderr);
  assert.equal(i.stdout.trim(), 'linux 1');
});

test('docker run --rm prints output and removes the container', () => {
  const r = d.docker(['run', '--rm', 'busybox', 'echo', 'hello']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'hello\n');
  const ps = d.docker(['ps', '-aq']);
  assert.equal(ps.stdout.trim(), '');
});

test('docker run returns the command exit code, 127 for a missing command, 125 for a missing image', () => {
  assert.equal(d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'exit 7']).code, 7);
  const nf = d.docker(['run', '--rm', 'busybox', 'no-such-command']);
  assert.equal(nf.code, 127, nf.stderr);
  assert.equal(d.docker(['run', '--rm', 'busybox', '/etc/passwd']).code, 126);
  assert.equal(d.docker(['run', '--rm', 'busybox', '/tmp']).code, 126);
  const ni = d.docker(['run', '--rm', '--pull', 'never', 'no-such-image:1']);
  assert.equal(ni.code, 125);
  assert.match(ni.stderr, /No such image: no-such-image:1/);
  // Without --pull never the CLI asks berthd to pull, which needs the registry client (a later issue).
  const pull = d.docker(['run', '--rm', 'no-such-image:1']);
  assert.equal(pull.code, 125);
  assert.match(pull.stderr, /Error response from daemon/);
});

test('docker run -i relays stdin', () => {
  const r = d.docker(['run', '--rm', '-i', 'busybox', 'sh', '-c', 'read a; echo "got $a"'], { input: 'line\n' });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'got line\n');
});

test('docker run -d, ps, logs, exec, inspect, stop, rm', () => {
  const run = d.docker(['run', '-d', '--name', 'web', 'busybox', 'sh', '-c', 'echo started; exec httpd -f -p 8080']);
  assert.equal(run.code, 0, run.stderr);
  const id = run.stdout.trim();
  assert.match(id, /^[0-9a-f]{64}$/);

  const ps = d.docker(['ps', '--format', '{{.Names}} {{.Image}} {{.State}}']);
  assert.equal(ps.code, 0, ps.stderr);
  assert.match(ps.stdout, /^web busybox running$/m);

  const logs = d.docker(['logs', 'web']);
  assert.equal(logs.code, 0, logs.stderr);
  assert.equal(logs.stdout, 'started\n');

  const ex = d.docker(['exec', 'web', 'wget', '-qO-', 'http://127.0.0.1:8080/']);
  assert.notEqual(ex.stderr.includes('Error response'), true, ex.stderr);

  const exCode = d.docker(['exec', 'web', 'sh', '-c', 'exit 3']);
  assert.equal(exCode.code, 3);

  const insp = d.docker(['inspect', '--format', '{{.State.Running}} {{.Name}}', 'web']);
  assert.equal(insp.stdout.trim(), 'true /web');

  const stop = d.docker(['stop', '-t', '1', 'web']);
  assert.equal(stop.code, 0, stop.stderr);
  const st = d.docker(['inspect', '--format', '{{.State.Status}}', 'web']);
  assert.equal(st.stdout.trim(), 'exited');

  const rm = d.docker(['rm', 'web']);
  assert.equal(rm.code, 0, rm.stderr);
  assert.equal(d.docker(['ps', '-aq']).stdout.trim(), '');
});

test('docker exec -it runs under a pseudo-terminal', () => {
  const run = d.docker(['run', '-d', '--name', 'tty', 'busybox', 'sleep', '300']);
  assert.equal(run.code, 0, run.stderr);
  // `script` gives the docker CLI a real terminal, as a user at a shell has.
  const s = spawnScript(`docker exec -it tty sh -c 'tty; echo cols=$(stty size); exit 4'`);
  assert.match(s.stdout, /\/dev\/pts\/\d+/);
  assert.equal(s.code, 4, s.stdout);
  assert.equal(d.docker(['rm', '-f', 'tty']).code, 0);
});

/** Runs a shell command under `script`, which gives it a pseudo-terminal. */
function spawnScript(cmd: string): { code: number; stdout: string } {
  const env = { ...process.env, DOCKER_HOST: d.host, DOCKER_CONFIG: `${d.dir}/docker-config` };
  const r = spawnSync('script', ['-qefc', cmd, '/dev/null'], { env, encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? -1, stdout: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

test('bad input gets Docker status codes', async () => {
  const bad = await d.api('POST', '/containers/create?name=bad%20name', { Image: 'busybox', Cmd: ['true'] });
  assert.equal(bad.status, 400);
  const malformed = await d.api('POST', '/containers/create', '{not json');
  assert.equal(malformed.status, 400);
  const noImage = await d.api('POST', '/containers/create', { Image: 'nope', Cmd: ['true'] });
  assert.equal(noImage.status, 404);
  assert.deepEqual(noImage.body, { message: 'No such image: nope:latest' });
  const one = await d.api('POST', '/containers/create?name=twice', { Image: 'busybox', Cmd: ['true'] });
  assert.equal(one.status, 201);
  const two = await d.api('POST', '/containers/create?name=twice', { Image: 'busybox', Cmd: ['true'] });
  assert.equal(two.status, 409);
  const missing = await d.api('GET', '/containers/nope/json');
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.body, { message: 'No such container: nope' });
  assert.equal(d.docker(['rm', 'twice']).code, 0);
});

test('docker tag, rmi: untag, 409 while a container uses the image, -f', () => {
  assert.equal(d.docker(['tag', 'busybox', 'mybox:1']).code, 0);
  assert.match(d.docker(['images', '--format', '{{.Repository}}:{{.Tag}}']).stdout, /^mybox:1$/m);
  const untag = d.docker(['rmi', 'mybox:1']);
  assert.equal(untag.code, 0, untag.stderr);
  assert.match(untag.stdout, /Untagged: mybox:1/);
  assert.equal(d.docker(['create', '--name', 'user', 'busybox', 'true']).code, 0);
  const inUse = d.docker(['rmi', 'busybox']);
  assert.notEqual(inUse.code, 0);
  assert.match(inUse.stderr, /conflict: unable to remove repository reference "busybox"/);
  assert.equal(d.docker(['rm', 'user']).code, 0);
  const img = d.docker(['images', '-q']);
  assert.equal(img.stdout.trim().split('\n').length, 1);
});

test('docker kill -s, restart, wait, start -a, attach', () => {
  const run = d.docker([
    'run',
    '-d',
    '--name',
    'sig',
    'busybox',
    'sh',
    '-c',
    'trap "exit 9" USR1; while true; do usleep 50000; done',
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(d.docker(['kill', '-s', 'USR1', 'sig']).code, 0);
  const w = d.docker(['wait', 'sig']);
  assert.equal(w.stdout.trim(), '9');
  assert.equal(d.docker(['restart', '-t', '1', 'sig']).code, 0);
  assert.equal(d.docker(['inspect', '--format', '{{.State.Running}}', 'sig']).stdout.trim(), 'true');
  assert.equal(d.docker(['kill', 'sig']).code, 0);
  assert.equal(d.docker(['wait', 'sig']).stdout.trim(), '137');
  assert.equal(d.docker(['rm', 'sig']).code, 0);

  assert.equal(d.docker(['create', '--name', 'once', 'busybox', 'echo', 'from start -a']).code, 0);
  const sa = d.docker(['start', '-a', 'once']);
  assert.equal(sa.code, 0, sa.stderr);
  assert.equal(sa.stdout, 'from start -a\n');
  assert.equal(d.docker(['rm', 'once']).code, 0);

  assert.equal(
    d.docker(['run', '-d', '--name', 'att', 'busybox', 'sh', '-c', 'usleep 500000; echo late; exit 5']).code,
    0,
  );
  const at = d.docker(['attach', '--no-stdin', 'att']);
  assert.equal(at.stdout, 'late\n');
  assert.equal(at.code, 5);
  assert.equal(d.docker(['rm', 'att']).code, 0);
});

test('docker logs --tail, --timestamps, -f ends when the container exits', () => {
  const run = d.docker([
    'run',
    '-d',
    '--name',
    'lines',
    'busybox',
    'sh',
    '-c',
    'for i in 1 2 3; do echo l$i; done; usleep 300000; echo last',
  ]);
  assert.equal(run.code, 0, run.stderr);
  const follow = d.docker(['logs', '-f', 'lines']);
  assert.equal(follow.code, 0, follow.stderr);
  assert.equal(follow.stdout, 'l1\nl2\nl3\nlast\n');
  assert.equal(d.docker(['logs', '--tail', '2', 'lines']).stdout, 'l3\nlast\n');
  assert.match(
    d.docker(['logs', '-t', '--tail', '1', 'lines']).stdout,
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z last\n$/,
  );
  assert.equal(d.docker(['rm', 'lines']).code, 0);
});
