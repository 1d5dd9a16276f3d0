/**
 * Volumes and mounts on the real kernel, driven through the real docker CLI
 * (and berth's where it differs): named volumes outliving containers,
 * copy-up, local driver options, --volumes-from, anonymous volumes and
 * `rm -v`, binds (`-v` makes a missing source, `--mount` refuses it),
 * prune semantics, and bad input that must leave nothing behind.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { mountsUnder, startDaemonWithBusybox, type TestDaemon } from '../helpers/daemon.ts';

let d: TestDaemon;
let scratch: string;

before(async () => {
  d = await startDaemonWithBusybox();
  scratch = mkdtempSync('/tmp/berth-vol-scratch-');
});

after(async () => {
  await d?.cleanup();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

function ok(r: { code: number; stdout: string; stderr: string }): string {
  assert.equal(r.code, 0, `exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

const volumeNames = (): string[] =>
  ok(d.docker(['volume', 'ls', '-q']))
    .split('\n')
    .filter(Boolean)
    .sort();
const containerCount = (): number =>
  ok(d.docker(['ps', '-aq']))
    .split('\n')
    .filter(Boolean).length;

test('data in a named volume outlives its container; a volume in use (even stopped) is refused with 409', async () => {
  const since = String(Math.floor(Date.now() / 1000) - 1);
  assert.equal(ok(d.docker(['volume', 'create', '--label', 'app=db', 'pgdata'])).trim(), 'pgdata');
  ok(
    d.docker([
      'run',
      '--name',
      'writer',
      '-v',
      'pgdata:/var/lib/data',
      'busybox',
      'sh',
      '-c',
      'echo row1 > /var/lib/data/t',
    ]),
  );
  // The container exited; it still references the volume.
  const rm = await d.api('DELETE', '/volumes/pgdata');
  assert.equal(rm.status, 409);
  assert.match((rm.body as { message: string }).message, /volume is in use/);
  assert.equal(d.docker(['volume', 'rm', 'pgdata']).code, 1);
  ok(d.docker(['rm', 'writer']));
  assert.equal(ok(d.docker(['run', '--rm', '-v', 'pgdata:/d:ro', 'busybox', 'cat', '/d/t'])), 'row1\n');
  const ro = d.docker(['run', '--rm', '-v', 'pgdata:/d:ro', 'busybox', 'touch', '/d/x']);
  assert.notEqual(ro.code, 0);
  assert.match(ro.stderr, /Read-only file system/);

  const inspect = JSON.parse(ok(d.docker(['volume', 'inspect', 'pgdata'])))[0];
  assert.equal(inspect.Name, 'pgdata');
  assert.equal(inspect.Driver, 'local');
  assert.deepEqual(inspect.Labels, { app: 'db' });
  assert.equal(inspect.Mountpoint, join(d.dataRoot, 'volumes/pgdata/_data'));
  assert.match(inspect.CreatedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.deepEqual(inspect.UsageData, { Size: 5, RefCount: 0 });
  assert.equal(ok(d.docker(['volume', 'ls', '--filter', 'label=app=db', '--format', '{{.Name}}'])), 'pgdata\n');
  assert.equal(ok(d.docker(['volume', 'rm', 'pgdata'])), 'pgdata\n');
  assert.ok(!existsSync(join(d.dataRoot, 'volumes/pgdata')));
  const until = String(Math.ceil(Date.now() / 1000) + 1);
  const events = ok(
    d.docker(['events', '--since', since, '--until', until, '--filter', 'volume=pgdata', '--format', '{{.Action}}']),
  );
  assert.deepEqual([...new Set(events.trim().split('\n'))], ['create', 'mount', 'destroy']);
});

test('an empty volume is filled from the image at first use, modes kept; nocopy leaves it empty', () => {
  ok(d.docker(['run', '--rm', '-v', 'etccopy:/etc', 'busybox', 'true']));
  ok(d.docker(['run', '--rm', '-v', 'tmpcopy:/tmp', 'busybox', 'true']));
  const out = ok(
    d.docker([
      'run',
      '--rm',
      '-v',
      'etccopy:/x',
      '-v',
      'tmpcopy:/y',
      'busybox',
      'sh',
      '-c',
      'ls /x; stat -c "%a %u:%g" /y /x/passwd',
    ]),
  );
  assert.match(out, /^passwd$/m);
  assert.match(out, /^group$/m);
  assert.match(out, /^1777 0:0$/m, 'the image directory mode (sticky /tmp) is kept');
  assert.match(out, /^644 0:0$/m);
  // Copy-up happens once: a volume the container emptied stays empty.
  ok(d.docker(['run', '--rm', '-v', 'etccopy:/etc', 'busybox', 'sh', '-c', 'rm -f /etc/passwd /etc/group']));
  assert.equal(ok(d.docker(['run', '--rm', '-v', 'etccopy:/x', 'busybox', 'ls', '/x'])), '');
  ok(d.docker(['run', '--rm', '--mount', 'type=volume,src=nocopy,dst=/etc,volume-nocopy', 'busybox', 'true']));
  assert.equal(ok(d.docker(['run', '--rm', '-v', 'nocopy:/x', 'busybox', 'ls', '-A', '/x'])), '');
  ok(d.docker(['volume', 'rm', 'etccopy', 'tmpcopy', 'nocopy']));
});

test('local driver options: a tmpfs volume with a size, a bind of a host directory, unknown options refused', () => {
  ok(d.docker(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=2m', 'scratchvol']));
  const df = ok(d.docker(['run', '--rm', '-v', 'scratchvol:/t', 'busybox', 'sh', '-c', 'df -k /t | tail -1']));
  assert.match(df, /^tmpfs\s+2048\s/);
  ok(
    d.docker([
      'run',
      '-d',
      '--name',
      'tmpuser',
      '-v',
      'scratchvol:/t',
      'busybox',
      'sh',
      '-c',
      'echo kept > /t/f; sleep 60',
    ]),
  );
  assert.equal(ok(d.docker(['run', '--rm', '-v', 'scratchvol:/t', 'busybox', 'cat', '/t/f'])), 'kept\n');
  ok(d.docker(['rm', '-f', 'tmpuser']));
  assert.deepEqual(mountsUnder(join(d.dataRoot, 'volumes')), [], 'the last user gone, the tmpfs is unmounted');
  assert.equal(
    ok(d.docker(['run', '--rm', '-v', 'scratchvol:/t', 'busybox', 'ls', '/t'])),
    '',
    'its content went with it',
  );
  const host = join(scratch, 'bound');
  mkdirSync(host);
  writeFileSync(join(host, 'hello'), 'from host\n');
  ok(
    d.docker([
      'volume',
      'create',
      '--driver',
      'local',
      '-o',
      'type=none',
      '-o',
      'o=bind',
      '-o',
      `device=${host}`,
      'hostdir',
    ]),
  );
  assert.equal(ok(d.docker(['run', '--rm', '-v', 'hostdir:/h', 'busybox', 'cat', '/h/hello'])), 'from host\n');
  ok(d.docker(['run', '--rm', '-v', 'hostdir:/h', 'busybox', 'sh', '-c', 'echo back > /h/reply']));
  assert.ok(existsSync(join(host, 'reply')));
  ok(d.docker(['volume', 'rm', 'scratchvol', 'hostdir']));
  assert.ok(existsSync(join(host, 'hello')), 'removing a bind volume unmounts it and leaves the host directory');

  const bad = d.docker(['volume', 'create', '-o', 'color=blue', 'badopt']);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /invalid option key: "color"/);
  const noDevice = d.docker(['volume', 'create', '-o', 'type=tmpfs', 'badopt']);
  assert.match(noDevice.stderr, /missing device/);
  const missing = d.docker([
    'volume',
    'create',
    '-o',
    'type=none',
    '-o',
    'o=bind',
    '-o',
    'device=/no/such/dir',
    'badopt',
  ]);
  assert.match(missing.stderr, /does not exist/);
  const sized = d.docker(['volume', 'create', '-o', 'size=1m', 'badopt']);
  assert.match(sized.stderr, /size quota is only supported on xfs mounted with prjquota; .* is on ext4/);
  for (const name of ['a/b', '..', '../etc', 'x']) {
    const r = d.docker(['volume', 'create', name]);
    assert.notEqual(r.code, 0, name);
    assert.match(r.stderr, /invalid characters for a local volume name/);
  }
  assert.ok(!volumeNames().includes('badopt'));
  assert.deepEqual(readdirSync(join(d.dataRoot, 'volumes')).sort(), volumeNames());
});

test("--volumes-from shares the other container's volumes and binds, with :ro honoured", () => {
  const host = join(scratch, 'shared-bind');
  mkdirSync(host);
  ok(
    d.docker(['create', '--name', 'src', '-v', 'shared:/data', '-v', `${host}:/hb`, '-v', '/anon', 'busybox', 'true']),
  );
  ok(
    d.docker([
      'run',
      '--rm',
      '--volumes-from',
      'src',
      'busybox',
      'sh',
      '-c',
      'echo a > /data/a; echo b > /hb/b; echo c > /anon/c',
    ]),
  );
  const ro = d.docker([
    'run',
    '--rm',
    '--volumes-from',
    'src:ro',
    'busybox',
    'sh',
    '-c',
    'cat /data/a /hb/b /anon/c; touch /data/z',
  ]);
  assert.equal(ro.stdout, 'a\nb\nc\n');
  assert.match(ro.stderr, /Read-only file system/);
  const missing = d.docker(['run', '--rm', '--volumes-from', 'nope', 'busybox', 'true']);
  assert.match(missing.stderr, /No such container: nope/);
  ok(d.docker(['rm', '-v', 'src']));
  assert.ok(volumeNames().includes('shared'), 'rm -v keeps named volumes');
  ok(d.docker(['volume', 'rm', 'shared']));
});

test('anonymous volumes: from -v /path and the image VOLUME; rm keeps them, rm -v removes only them', async () => {
  const before = volumeNames();
  const created = await d.api('POST', '/containers/create?name=anon1', {
    Image: 'busybox',
    Cmd: ['true'],
    Volumes: { '/from-image': {} },
    HostConfig: { Binds: ['keepme:/named'] },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  ok(d.docker(['start', '-a', 'anon1']));
  const mounts = JSON.parse(ok(d.docker(['inspect', '--format', '{{json .Mounts}}', 'anon1']))) as {
    Type: string;
    Name: string;
    Destination: string;
  }[];
  const anon = mounts.find((m) => m.Destination === '/from-image');
  assert.equal(anon?.Type, 'volume');
  assert.match(anon?.Name ?? '', /^[0-9a-f]{64}$/);
  const labels = JSON.parse(ok(d.docker(['volume', 'inspect', '--format', '{{json .Labels}}', anon!.Name])));
  assert.deepEqual(labels, { 'com.docker.volume.anonymous': '' });
  ok(d.docker(['rm', '-v', 'anon1']));
  assert.deepEqual(volumeNames(), [...before, 'keepme'].sort(), 'the named volume stays, the anonymous one is gone');

  const id = ok(d.docker(['create', '-v', '/x', 'busybox', 'true'])).trim();
  const anonName = JSON.parse(ok(d.docker(['inspect', '--format', '{{json .Mounts}}', id])))[0].Name;
  ok(d.docker(['rm', id]));
  assert.ok(volumeNames().includes(anonName), 'rm without -v keeps anonymous volumes, as Docker');
  // Docker 23+: prune removes unused anonymous volumes only; -a (all=true) named ones too.
  const pruned = ok(d.docker(['volume', 'prune', '-f']));
  assert.match(pruned, new RegExp(anonName));
  assert.ok(volumeNames().includes('keepme'));
  ok(d.docker(['run', '-d', '--name', 'user', '-v', 'keepme:/k', 'busybox', 'sleep', '60']));
  ok(d.docker(['volume', 'create', 'unused']));
  const all = await d.api('POST', `/volumes/prune?filters=${encodeURIComponent('{"all":["true"]}')}`);
  assert.deepEqual((all.body as { VolumesDeleted: string[] }).VolumesDeleted, ['unused']);
  assert.ok(volumeNames().includes('keepme'), 'a volume in use is never pruned');
  ok(d.docker(['rm', '-f', 'user']));
  ok(d.docker(['volume', 'rm', 'keepme']));
});

test('binds: -v makes a missing source with a warning; --mount refuses it; a single file can be bound', () => {
  const missing = join(scratch, 'made-by-v');
  const r = d.docker(['run', '--rm', '-v', `${missing}:/m`, 'busybox', 'true']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`WARNING: bind source ${missing} does not exist: created it`));
  assert.ok(existsSync(missing));

  const count = containerCount();
  const refused = d.docker([
    'run',
    '--rm',
    '--mount',
    `type=bind,src=${join(scratch, 'not-there')},dst=/m`,
    'busybox',
    'true',
  ]);
  assert.equal(refused.code, 125);
  assert.match(refused.stderr, /bind source path does not exist/);
  assert.ok(!existsSync(join(scratch, 'not-there')));
  assert.equal(containerCount(), count);

  const conf = join(scratch, 'app.conf');
  writeFileSync(conf, 'key=value\n');
  assert.equal(
    ok(d.docker(['run', '--rm', '-v', `${conf}:/etc/app.conf:ro`, 'busybox', 'cat', '/etc/app.conf'])),
    'key=value\n',
  );
  assert.equal(
    ok(
      d.docker([
        'run',
        '--rm',
        '--mount',
        `type=bind,src=${conf},dst=/app.conf,readonly`,
        'busybox',
        'cat',
        '/app.conf',
      ]),
    ),
    'key=value\n',
  );
  const onDir = d.docker(['run', '--rm', '-v', `${conf}:/etc`, 'busybox', 'true']);
  assert.equal(onDir.code, 125);
  assert.match(onDir.stderr, /cannot bind-mount the file .* onto \/etc: the image has a directory there/);
  assert.equal(containerCount(), count);
});

test('bad --mount fields and mount options answer 400 and create nothing', async () => {
  const volumes = volumeNames();
  const count = containerCount();
  const cases: [unknown, RegExp][] = [
    [{ Type: 'bind', Target: '/x' }, /field Source must not be empty/],
    [{ Type: 'volume', Source: 'v1' }, /field Target must not be empty/],
    [{ Type: 'tmpfs', Source: 'x', Target: '/x' }, /field Source must not be specified/],
    [{ Type: 'volume', Target: 'relative' }, /must be absolute/],
    [
      { Type: 'bind', Source: '/tmp', Target: '/x', TmpfsOptions: { SizeBytes: 1 } },
      /TmpfsOptions must not be specified/,
    ],
    [{ Type: 'volume', Source: 'a/b', Target: '/x' }, /invalid characters/],
    [
      { Type: 'volume', Source: 'v1', Target: '/x', VolumeOptions: { DriverConfig: { Options: { bogus: '1' } } } },
      /invalid option key/,
    ],
    [{ Type: 'nfs', Target: '/x' }, /expected one of|mount type unknown/],
  ];
  for (const [mount, re] of cases) {
    const r = await d.api('POST', '/containers/create', {
      Image: 'busybox',
      Cmd: ['true'],
      HostConfig: { Mounts: [{ Type: 'volume', Source: 'would-be-made', Target: '/ok' }, mount] },
    });
    assert.equal(r.status, 400, JSON.stringify(mount));
    assert.match((r.body as { message: string }).message, re);
  }
  const dup = await d.api('POST', '/containers/create', {
    Image: 'busybox',
    HostConfig: { Binds: ['dupvol:/d'], Mounts: [{ Type: 'tmpfs', Target: '/d' }] },
  });
  assert.equal(dup.status, 400);
  assert.match((dup.body as { message: string }).message, /Duplicate mount point: \/d/);
  // The docker CLI exits 127 when the daemon's message says "no such file or directory", as with Docker.
  for (const [flag, value, re, code] of [
    ['--tmpfs', '/t:size=12q', /invalid tmpfs option/, 125],
    ['--device', '/dev/no-such-device', /error gathering device information .*no such file or directory/, 127],
    ['--device', '/etc/passwd', /not a device node/, 125],
    ['--device-cgroup-rule', 'x 1:2 rwm', /invalid device cgroup format/, 125],
    ['-v', 'bad/name:/x', /invalid characters/, 125],
    ['-v', '/h:/c:xyz', /invalid mode/, 125],
  ] as const) {
    const r = d.docker(['run', '--rm', flag, value, 'busybox', 'true']);
    assert.equal(r.code, code, `${flag} ${value}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
  assert.deepEqual(volumeNames(), volumes, 'no volume was created');
  assert.equal(containerCount(), count, 'no container was created');
});

test('read-only root, tmpfs size and mode, devices, device cgroup rules and the minimal /dev', () => {
  const ro = d.docker([
    'run',
    '--rm',
    '--read-only',
    '--tmpfs',
    '/run:size=1m,mode=1700',
    'busybox',
    'sh',
    '-c',
    'touch /x; touch /run/ok && stat -c %a /run && df -k /run | tail -1',
  ]);
  assert.match(ro.stderr, /touch: \/x: Read-only file system/);
  assert.match(ro.stdout, /^1700$/m);
  assert.match(ro.stdout, /^tmpfs\s+1024\s/m);
  const mnt = ok(
    d.docker([
      'run',
      '--rm',
      '--mount',
      'type=tmpfs,dst=/scratch,tmpfs-size=2m,tmpfs-mode=770',
      'busybox',
      'sh',
      '-c',
      'stat -c %a /scratch; grep " /scratch " /proc/mounts',
    ]),
  );
  assert.match(mnt, /^770$/m);
  assert.match(mnt, /size=2048k/);
  assert.match(mnt, /nosuid,nodev,noexec/);

  const dev = ok(
    d.docker([
      'run',
      '--rm',
      '--device',
      '/dev/zero:/dev/myzero:r',
      'busybox',
      'sh',
      '-c',
      'ls -l /dev/myzero; head -c 3 /dev/myzero | od -An -tx1',
    ]),
  );
  assert.match(dev, /^c.* 1,\s+5 .*\/dev\/myzero$/m);
  assert.match(dev, /00 00 00/);
  // A node the container makes itself is denied by the device cgroup, unless a rule allows it.
  const script = 'mknod /tmp/fuse c 10 229 && (exec 3<>/tmp/fuse) && echo opened';
  const denied = d.docker(['run', '--rm', 'busybox', 'sh', '-c', script]);
  assert.doesNotMatch(denied.stdout, /opened/);
  assert.match(denied.stderr, /Operation not permitted/);
  assert.equal(
    ok(d.docker(['run', '--rm', '--device-cgroup-rule', 'c 10:229 rw', 'busybox', 'sh', '-c', script])),
    'opened\n',
  );

  const devs = ok(d.docker(['run', '--rm', 'busybox', 'ls', '/dev']))
    .split('\n')
    .filter(Boolean)
    .sort();
  const expected = [
    'core',
    'fd',
    'full',
    'mqueue',
    'null',
    'ptmx',
    'pts',
    'random',
    'shm',
    'stderr',
    'stdin',
    'stdout',
  ];
  assert.deepEqual(devs, [...expected, 'tty', 'urandom', 'zero'], 'only the minimal /dev, no host device');
});

test('system df -v shows each volume with its size and links; system prune --volumes removes unused ones', () => {
  ok(
    d.docker([
      'run',
      '--name',
      'dfuser',
      '-v',
      'dfvol:/v',
      '-v',
      '/anon',
      'busybox',
      'sh',
      '-c',
      'printf 12345 > /v/f',
    ]),
  );
  for (const cli of [d.docker, d.berth]) {
    const out = ok(cli(['system', 'df', '-v']));
    assert.match(out, /Local Volumes space usage:\n\nVOLUME NAME\s+LINKS\s+SIZE\n/);
    assert.match(out, /^dfvol\s+1\s+5B$/m);
    assert.match(out, /^dfuser|dfuser$/m);
    assert.match(ok(cli(['system', 'df'])), /^Local Volumes\s+\d+\s+\d+\s+/m);
  }
  const anon = JSON.parse(ok(d.docker(['inspect', '--format', '{{json .Mounts}}', 'dfuser']))).find(
    (m: { Destination: string }) => m.Destination === '/anon',
  ).Name;
  const pruned = ok(d.berth(['system', 'prune', '-f', '--volumes']));
  assert.match(pruned, /Deleted Containers:\n[0-9a-f]{64}\n/);
  assert.match(pruned, new RegExp(`Deleted Volumes:\\n${anon}\\n`));
  assert.ok(volumeNames().includes('dfvol'), 'a named volume survives a prune without -a');
  assert.match(ok(d.berth(['system', 'prune', '-af', '--volumes'])), /Deleted Volumes:\n(.*\n)*dfvol\n/);
  assert.ok(!volumeNames().includes('dfvol'));
});
