import assert from 'node:assert/strict';
import type { Stats } from 'node:fs';
import { test } from 'node:test';
import { parseBind, parseDevice, parseMount, parseTmpfs, planMounts } from './container-mounts.ts';

test('-v entries: binds, named volumes, modes', () => {
  assert.deepEqual(parseBind('/a/../h:/c:ro,z'), {
    type: 'bind',
    source: '/h',
    destination: '/c',
    readonly: true,
    mode: 'ro,z',
    propagation: 'rprivate',
  });
  const v = parseBind('data:/var/lib/db:nocopy');
  assert.equal(v.type, 'volume');
  assert.equal(v.source, 'data');
  assert.equal(v.copyUp, false);
  assert.equal(parseBind('/h:/c:rshared').propagation, 'rshared');
  assert.throws(() => parseBind('/h:rel'), /must be absolute/);
  assert.throws(() => parseBind('/h:/c:xx'), /invalid mode/);
  assert.throws(() => parseBind('vol:/c:rshared'), /invalid mode/);
  assert.throws(() => parseBind('a/b:/c'), /invalid characters/);
  assert.throws(() => parseBind('/only'), /invalid volume specification/);
  assert.throws(() => parseBind('/h:/'), /destination can't be "\/"/);
});

test('--mount: each type checks its own fields', () => {
  const t = parseMount({ Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1024, Mode: 0o1700 } });
  assert.deepEqual(t.tmpfsOptions, ['nosuid', 'nodev', 'noexec', 'size=1024', 'mode=1700']);
  const anon = parseMount({ Type: 'volume', Target: '/v' });
  assert.equal(anon.anonymous, true);
  assert.throws(() => parseMount({ Type: 'bind', Target: '/x' }), /field Source must not be empty/);
  assert.throws(() => parseMount({ Type: 'volume', Source: 'v', Target: '' }), /field Target must not be empty/);
  assert.throws(() => parseMount({ Type: 'volume', Target: '/x', BindOptions: {} }), /BindOptions must not be/);
  assert.throws(
    () => parseMount({ Type: 'volume', Target: '/x', VolumeOptions: { DriverConfig: { Name: 'nfs-plugin' } } }),
    /not available/,
  );
});

test('--tmpfs options: sizes normalized, exec overrides the default noexec, bad values refused', () => {
  assert.deepEqual(parseTmpfs('/run', 'size=1m,exec,mode=700').tmpfsOptions, [
    'nosuid',
    'nodev',
    'exec',
    'size=1048576',
    'mode=700',
  ]);
  assert.equal(parseTmpfs('/run', 'ro').readonly, true);
  assert.throws(() => parseTmpfs('/run', 'size=12q'), /invalid tmpfs option/);
  assert.throws(() => parseTmpfs('/run', 'mode=999'), /invalid mode/);
  assert.throws(() => parseTmpfs('/run', 'bogus'), /invalid tmpfs option/);
});

const fakeStat = (kind: 'file' | 'dir' | 'char', rdev = 0): Stats =>
  ({
    isDirectory: () => kind === 'dir',
    isFile: () => kind === 'file',
    isCharacterDevice: () => kind === 'char',
    isBlockDevice: () => false,
    mode: 0o20666,
    rdev,
  }) as unknown as Stats;

test('--device: major and minor from st_rdev, permissions checked', () => {
  const stat = (p: string) => (p === '/dev/fuse' ? fakeStat('char', (10 << 8) | 229) : undefined);
  assert.deepEqual(parseDevice({ PathOnHost: '/dev/fuse', PathInContainer: '', CgroupPermissions: 'rw' }, stat), [
    { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0, access: 'rw' },
  ]);
  assert.throws(
    () => parseDevice({ PathOnHost: '/dev/fuse', PathInContainer: '/x', CgroupPermissions: 'rwx' }, stat),
    /invalid device mode/,
  );
  assert.throws(
    () => parseDevice({ PathOnHost: '/nope', PathInContainer: '', CgroupPermissions: '' }, stat),
    /no such/,
  );
});

test('planMounts: precedence, duplicates, anonymous volumes, missing bind sources', () => {
  const stat = (p: string) => (p === '/exists' ? fakeStat('dir') : undefined);
  const plan = planMounts(
    {
      Binds: ['/missing:/m', 'named:/n'],
      Mounts: [{ Type: 'bind', Source: '/exists', Target: '/e' }],
      VolumesFrom: ['other:ro'],
    },
    { Volumes: { '/n': {}, '/img': {} } },
    {
      stat,
      mountsOf: () => [
        {
          type: 'volume',
          source: 'theirs',
          destination: '/shared',
          readonly: false,
          mode: '',
          propagation: '',
          anonymous: true,
        },
        { type: 'tmpfs', source: '', destination: '/tmp', readonly: false, mode: '', propagation: '' },
      ],
    },
  );
  assert.deepEqual(
    plan.mounts.map((m) => [m.type, m.source, m.destination, m.readonly]),
    [
      ['bind', '/missing', '/m', false],
      ['volume', 'named', '/n', false],
      ['bind', '/exists', '/e', false],
      ['volume', 'theirs', '/shared', true],
      ['volume', '', '/img', false],
    ],
  );
  assert.equal(plan.mounts[3]?.anonymous, false, 'a volume from another container is never owned');
  assert.deepEqual(plan.makeDirs, ['/missing']);
  assert.match(plan.warnings[0] ?? '', /\/missing does not exist/);
  assert.deepEqual(
    plan.volumes.map((v) => [v.name, v.mountIndex]),
    [
      ['named', 1],
      [undefined, 4],
    ],
  );
  assert.throws(
    () =>
      planMounts({ Mounts: [{ Type: 'bind', Source: '/missing', Target: '/m' }] }, {}, { stat, mountsOf: () => [] }),
    /bind source path does not exist: \/missing/,
  );
  assert.throws(
    () => planMounts({ Binds: ['ab:/d'], Tmpfs: { '/d': '' } }, {}, { stat, mountsOf: () => [] }),
    /Duplicate mount point: \/d/,
  );
  assert.throws(
    () => planMounts({ DeviceCgroupRules: ['c 1:3'] }, {}, { stat, mountsOf: () => [] }),
    /invalid device cgroup format/,
  );
});
