import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ContainerSpec, buildOciSpec, DEFAULT_CAPS } from './spec.ts';

const base: ContainerSpec = {
  args: ['sh'],
  env: ['PATH=/bin'],
  cwd: '/',
  user: { uid: 0, gid: 0 },
  tty: false,
  hostname: 'abc',
  rootfs: '/r',
  network: { mode: 'none' },
  etcFiles: { hostname: '/c/hostname', hosts: '/c/hosts', resolvConf: '/c/resolv.conf' },
  mounts: [],
  cgroupsPath: '/berth/x',
  cgroupV2: false,
};

test('defaults: Docker capability set, private namespaces, masked paths', () => {
  const s = buildOciSpec(base);
  assert.deepEqual(s.process.capabilities?.bounding, [...DEFAULT_CAPS]);
  assert.deepEqual(
    s.linux.namespaces.map((n) => n.type),
    ['pid', 'ipc', 'uts', 'mount', 'network'],
  );
  assert.ok(s.linux.maskedPaths?.includes('/proc/kcore'));
  assert.ok(s.linux.readonlyPaths?.includes('/proc/sys'));
  assert.equal(s.hostname, 'abc');
  assert.ok(s.mounts.some((m) => m.destination === '/etc/hosts' && m.source === '/c/hosts'));
});

test('host network shares the host namespace and hostname', () => {
  const s = buildOciSpec({ ...base, network: { mode: 'host' } });
  assert.equal(
    s.linux.namespaces.some((n) => n.type === 'network'),
    false,
  );
  assert.equal(s.hostname, undefined);
});

test('cap-drop ALL then cap-add, unknown caps refused', () => {
  const s = buildOciSpec({ ...base, capDrop: ['ALL'], capAdd: ['net_admin'] });
  assert.deepEqual(s.process.capabilities?.bounding, ['CAP_NET_ADMIN']);
  assert.throws(() => buildOciSpec({ ...base, capAdd: ['NOPE'] }), /unknown capability/);
});

test('tty adds TERM, init wraps the command, binds and limits land in the spec', () => {
  const s = buildOciSpec({
    ...base,
    tty: true,
    initPath: '/usr/bin/catatonit',
    mounts: [
      { type: 'bind', source: '/h', destination: '/d', readonly: true, propagation: 'rprivate', recursive: true },
      { type: 'tmpfs', destination: '/d/t', readonly: false, options: ['nosuid', 'size=1024'] },
    ],
    devices: [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0, access: 'rw' }],
    deviceRules: [{ allow: true, type: 'b', major: 7, access: 'rwm' }],
    resources: { memory: { limit: 1 << 25 }, pids: { limit: 10 }, cpu: { period: 100000, quota: 50000 } },
  });
  assert.ok(s.process.env.includes('TERM=xterm'));
  assert.deepEqual(s.process.args, ['/sbin/docker-init', '--', 'sh']);
  assert.deepEqual(
    s.mounts.find((m) => m.destination === '/d'),
    { destination: '/d', type: 'bind', source: '/h', options: ['rbind', 'ro', 'rprivate'] },
  );
  const dests = s.mounts.map((m) => m.destination);
  assert.ok(dests.indexOf('/d') < dests.indexOf('/d/t'), 'a parent is mounted before its child');
  assert.deepEqual(s.mounts.find((m) => m.destination === '/d/t')?.options, ['nosuid', 'size=1024']);
  assert.deepEqual(s.linux.devices, [
    { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 },
  ]);
  const rules = s.linux.resources?.devices ?? [];
  assert.deepEqual(rules[0], { allow: false, access: 'rwm' });
  assert.ok(rules.some((r) => r.type === 'c' && r.major === 10 && r.minor === 229 && r.access === 'rw'));
  assert.ok(rules.some((r) => r.type === 'b' && r.major === 7 && r.minor === undefined));
  assert.equal(s.linux.resources?.memory?.limit, 1 << 25);
  assert.equal(s.linux.resources?.pids?.limit, 10);
  assert.deepEqual(s.linux.resources?.cpu, { period: 100000, quota: 50000 });
});

test('an empty command is refused', () => {
  assert.throws(() => buildOciSpec({ ...base, args: [] }), /no command specified/);
});

test('capabilities berthd lacks are trimmed from --privileged and refused for --cap-add', async () => {
  const { capabilities } = await import('./spec.ts');
  const host = DEFAULT_CAPS.concat(['CAP_SYS_ADMIN']);
  assert.deepEqual(capabilities({ privileged: true, hostCaps: host }).sort(), [...host].sort());
  assert.throws(() => capabilities({ capAdd: ['SYS_RESOURCE'], hostCaps: host }), /berthd itself does not have it/);
  assert.deepEqual(capabilities({ capDrop: ['ALL'], capAdd: ['ALL'], hostCaps: host }).sort(), [...host].sort());
});

test('namespaces: host pid and ipc leave them out, container: joins a path, uts host keeps the hostname out', () => {
  const s = buildOciSpec({
    ...base,
    namespaces: {
      pid: { mode: 'host' },
      ipc: { mode: 'path', path: '/proc/42/ns/ipc' },
      uts: 'host',
      cgroup: 'private',
    },
    shm: { mode: 'bind', source: '/proc/42/root/dev/shm' },
    sysctls: { 'net.ipv4.ip_forward': '1' },
    oomScoreAdj: 500,
  });
  const types = s.linux.namespaces.map((n) => n.type);
  assert.ok(!types.includes('pid'));
  assert.ok(!types.includes('uts'));
  assert.ok(types.includes('cgroup'));
  assert.deepEqual(
    s.linux.namespaces.find((n) => n.type === 'ipc'),
    { type: 'ipc', path: '/proc/42/ns/ipc' },
  );
  assert.equal(s.hostname, undefined);
  assert.equal(s.mounts.find((m) => m.destination === '/dev/shm')?.source, '/proc/42/root/dev/shm');
  assert.deepEqual(s.linux.sysctl, { 'net.ipv4.ip_forward': '1' });
  assert.equal(s.process.oomScoreAdj, 500);
});
