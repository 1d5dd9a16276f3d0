import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDeviceFlag, parseMountFlag, parseTmpfsFlags } from './mount-options.ts';

test('--mount as the docker CLI parses it', () => {
  assert.deepEqual(parseMountFlag('type=bind,src=/a,dst=/b,readonly,bind-propagation=rshared'), {
    Type: 'bind',
    Source: '/a',
    Target: '/b',
    ReadOnly: true,
    BindOptions: { Propagation: 'rshared' },
  });
  assert.deepEqual(parseMountFlag('source=v,target=/d,volume-nocopy,volume-opt=type=tmpfs,volume-opt=device=tmpfs'), {
    Type: 'volume',
    Source: 'v',
    Target: '/d',
    VolumeOptions: { NoCopy: true, DriverConfig: { Options: { type: 'tmpfs', device: 'tmpfs' } } },
  });
  assert.deepEqual(parseMountFlag('type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1770'), {
    Type: 'tmpfs',
    Target: '/t',
    TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1770 },
  });
  assert.equal(parseMountFlag('type=bind,src=/a,dst=/b,ro=false').ReadOnly, false);
  assert.throws(() => parseMountFlag('type=bind,src=/a'), /target is required/);
  assert.throws(() => parseMountFlag('type=nfs,dst=/a'), /invalid mount type/);
  assert.throws(() => parseMountFlag('dst=/a,colour=red'), /unexpected key 'colour'/);
  assert.throws(() => parseMountFlag('type=tmpfs,dst=/a,tmpfs-size=12q'), /invalid value for tmpfs-size/);
});

test('--device and --tmpfs', () => {
  assert.deepEqual(parseDeviceFlag('/dev/fuse'), {
    PathOnHost: '/dev/fuse',
    PathInContainer: '/dev/fuse',
    CgroupPermissions: 'rwm',
  });
  assert.deepEqual(parseDeviceFlag('/dev/sda:r'), {
    PathOnHost: '/dev/sda',
    PathInContainer: '/dev/sda',
    CgroupPermissions: 'r',
  });
  assert.deepEqual(parseDeviceFlag('/dev/sda:/dev/xvda:rw'), {
    PathOnHost: '/dev/sda',
    PathInContainer: '/dev/xvda',
    CgroupPermissions: 'rw',
  });
  assert.throws(() => parseDeviceFlag('/dev/sda:/dev/xvda:rwx'), /bad mode/);
  assert.deepEqual(parseTmpfsFlags(['/run', '/tmp:size=1m,exec']), { '/run': '', '/tmp': 'size=1m,exec' });
});
