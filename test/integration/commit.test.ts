/**
 * commit on the real kernel through berthd: a container's additions,
 * changes, deletions (whiteouts) and replaced directories (opaque) become a
 * layer that runs as a new image; `-c` changes, `-m`, `-a`; a running
 * container is paused only while its changes are read; the docker CLI's
 * `commit` against berthd.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startDaemonWithBusybox, type TestDaemon } from '../helpers/daemon.ts';

let d: TestDaemon;

before(async () => {
  d = await startDaemonWithBusybox();
});

after(async () => {
  await d?.cleanup();
});

function ok(r: { code: number; stdout: string; stderr: string }): string {
  assert.equal(r.code, 0, r.stderr);
  return r.stdout;
}

test('commit: additions, deletions and replaced directories survive into a runnable image', () => {
  ok(
    d.berth([
      'run',
      '--name',
      'src',
      'busybox',
      'sh',
      '-c',
      'echo hello > /newfile && echo extra >> /etc/passwd && rm /etc/group && rm -rf /var && mkdir -p /var/only && ln -s /newfile /link',
    ]),
  );
  const id = ok(
    d.berth([
      'commit',
      '-m',
      'the message',
      '-a',
      'Someone <s@example.com>',
      '-c',
      'ENV FOO=bar GREETING="hi there"',
      '-c',
      'CMD ["cat", "/newfile"]',
      '-c',
      'LABEL team=blue',
      '-c',
      'WORKDIR /var/only',
      '-c',
      'EXPOSE 8080',
      'src',
      'snap:1',
    ]),
  ).trim();
  assert.match(id, /^sha256:[0-9a-f]{64}$/);
  assert.equal(ok(d.berth(['run', '--rm', 'snap:1'])), 'hello\n');
  const check = ok(
    d.berth([
      'run',
      '--rm',
      'snap:1',
      'sh',
      '-c',
      'test ! -e /etc/group && echo nogroup; tail -n1 /etc/passwd; ls -A /var; pwd; readlink /link; echo "$FOO/$GREETING"',
    ]),
  );
  assert.equal(check, 'nogroup\nextra\nonly\n/var/only\n/newfile\nbar/hi there\n');
  const [inspect] = JSON.parse(ok(d.berth(['image', 'inspect', 'snap:1']))) as {
    Id: string;
    Comment: string;
    Author: string;
    Config: { Env: string[]; Cmd: string[]; Labels: Record<string, string>; ExposedPorts: Record<string, unknown> };
    RootFS: { Layers: string[] };
  }[];
  assert.equal(inspect!.Id, id);
  assert.equal(inspect!.Comment, 'the message');
  assert.equal(inspect!.Author, 'Someone <s@example.com>');
  assert.deepEqual(inspect!.Config.Cmd, ['cat', '/newfile']);
  assert.ok(inspect!.Config.Env.includes('FOO=bar'));
  assert.equal(inspect!.Config.Labels.team, 'blue');
  assert.deepEqual(Object.keys(inspect!.Config.ExposedPorts), ['8080/tcp']);
  assert.equal(inspect!.RootFS.Layers.length, 2);
});

test('commit of a running container pauses it only while reading, and it keeps running', () => {
  ok(d.berth(['run', '-d', '--name', 'live', 'busybox', 'sh', '-c', 'echo live > /state; sleep 300']));
  ok(d.berth(['exec', 'live', 'sh', '-c', 'while [ ! -e /state ]; do sleep 0.05; done']));
  ok(d.berth(['commit', 'live', 'live:snap']));
  const [state] = JSON.parse(ok(d.berth(['inspect', 'live']))) as { State: { Status: string } }[];
  assert.equal(state!.State.Status, 'running');
  assert.equal(ok(d.berth(['run', '--rm', 'live:snap', 'cat', '/state'])), 'live\n');
  ok(d.berth(['rm', '-f', 'live']));
});

test('bad changes are refused with one clear line, and no image is made', () => {
  ok(d.berth(['create', '--name', 'quiet', 'busybox', 'true']));
  const r = d.berth(['commit', '-c', 'RUN echo no', 'quiet', 'never:1']);
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /run is not a valid change command/);
  assert.notEqual(d.berth(['image', 'inspect', 'never:1']).code, 0);
});

test('docker commit against berthd (with --change and without pausing)', () => {
  ok(d.docker(['run', '--name', 'dsrc', 'busybox', 'sh', '-c', 'echo from-docker > /d']));
  ok(d.docker(['commit', '--pause=false', '--change', 'ENTRYPOINT ["cat"]', '--change', 'CMD ["/d"]', 'dsrc', 'dimg']));
  assert.equal(ok(d.docker(['run', '--rm', 'dimg'])), 'from-docker\n');
  const out = ok(
    d.docker(['image', 'inspect', '--format', '{{json .Config.Entrypoint}} {{json .Config.Cmd}}', 'dimg']),
  );
  assert.equal(out.trim(), '["cat"] ["/d"]');
});
