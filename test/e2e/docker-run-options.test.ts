/**
 * The real docker CLI (28.2) against berthd with `run`'s process, namespace
 * and resource options, and the commands over a live container: stats,
 * top, update, pause/unpause. Effects are read inside the container and
 * from its cgroup.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { startDaemonWithBusybox, type TestDaemon } from '../helpers/daemon.ts';

let d: TestDaemon;
const V2 = existsSync('/sys/fs/cgroup/cgroup.controllers');

before(async () => {
  d = await startDaemonWithBusybox();
});

after(async () => {
  await d?.cleanup();
});

function docker(args: string[]): string {
  const r = d.docker(args);
  assert.equal(r.code, 0, `docker ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('docker run with resource, user, sysctl and namespace options', () => {
  const out = docker([
    'run',
    '--rm',
    '-m',
    '48m',
    '--pids-limit',
    '30',
    '-u',
    'nobody',
    '--group-add',
    '1234',
    '--sysctl',
    'net.ipv4.ip_forward=1',
    '--ulimit',
    'nofile=100:100',
    '--shm-size',
    '8m',
    '-h',
    'box',
    '--add-host',
    'db:10.1.2.3',
    '--workdir',
    '/w/x',
    'busybox',
    'sh',
    '-c',
    `id -G; cat /proc/sys/net/ipv4/ip_forward; ulimit -n; hostname; grep db /etc/hosts; pwd; cat ${V2 ? '/sys/fs/cgroup/memory.max' : '/sys/fs/cgroup/memory/memory.limit_in_bytes'}`,
  ]);
  assert.equal(out, `65534 1234\n1\n100\nbox\n10.1.2.3\tdb\n/w/x\n${48 * 1024 * 1024}\n`);
  assert.match(
    docker(['run', '--rm', '--pid', 'host', 'busybox', 'cat', '/proc/1/comm']),
    new RegExp(readFileSync('/proc/1/comm', 'utf8')),
  );
  const oom = d.docker([
    'run',
    '--name',
    'oom',
    '-m',
    '16m',
    'busybox',
    'sh',
    '-c',
    'x=0123456789abcdef; while :; do x=$x$x; done',
  ]);
  assert.equal(oom.code, 137);
  assert.equal(docker(['inspect', '-f', '{{.State.OOMKilled}}', 'oom']).trim(), 'true');
  docker(['rm', 'oom']);
});

test('docker run refuses bad sizes and conflicting options in one line', () => {
  const size = d.docker(['run', '--rm', '-m', '12q', 'busybox', 'true']);
  assert.equal(size.code, 125);
  assert.match(size.stderr, /invalid suffix: 'q'/);
  const conflict = d.docker(['run', '--rm', '--cpus', '1', '--cpu-quota', '50000', 'busybox', 'true']);
  assert.equal(conflict.code, 125);
  assert.match(conflict.stderr, /Conflicting options: Nano CPUs and CPU Quota cannot both be set/);
  assert.equal(docker(['ps', '-aq']).trim(), '');
});

test('docker stats --no-stream, top, update, pause and unpause on a live container', () => {
  const id = docker(['run', '-d', '--name', 'live', '-m', '64m', 'busybox', 'sleep', '120']).trim();
  const stats = docker(['stats', '--no-stream', 'live']);
  assert.match(stats, /^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS$/m);
  assert.match(
    stats,
    new RegExp(
      `^${id.slice(0, 12)}\\s+live\\s+\\d+\\.\\d\\d%\\s+[\\d.]+[KM]?i?B / 64MiB\\s+[\\d.]+%\\s+\\S+ / \\S+\\s+\\S+ / \\S+\\s+1$`,
      'm',
    ),
  );
  const json = JSON.parse(docker(['stats', '--no-stream', '--format', 'json', 'live']));
  assert.equal(json.Name, 'live');
  assert.equal(json.PIDs, '1');

  const top = docker(['top', 'live']);
  assert.match(top, /^UID\s+PID\s+PPID\s+C\s+STIME\s+TTY\s+TIME\s+CMD$/m);
  assert.match(top, /sleep 120$/m);
  assert.match(docker(['top', 'live', '-o', 'pid,comm']), /^\d+\s+sleep$/m);

  docker(['update', '--cpus', '0.5', '--memory', '32m', '--memory-swap', '64m', '--restart', 'unless-stopped', 'live']);
  const quota = V2
    ? readFileSync(`/sys/fs/cgroup/berth/${id}/cpu.max`, 'utf8').trim()
    : readFileSync(`/sys/fs/cgroup/cpu/berth/${id}/cpu.cfs_quota_us`, 'utf8').trim();
  assert.equal(quota, V2 ? '50000 100000' : '50000');
  assert.equal(
    docker(['inspect', '-f', '{{.HostConfig.Memory}} {{.HostConfig.RestartPolicy.Name}}', 'live']).trim(),
    `${32 * 1024 * 1024} unless-stopped`,
  );

  docker(['pause', 'live']);
  assert.equal(docker(['inspect', '-f', '{{.State.Status}} {{.State.Paused}}', 'live']).trim(), 'paused true');
  assert.match(docker(['ps', '--format', '{{.Status}}']), /\(Paused\)/);
  docker(['unpause', 'live']);
  assert.equal(docker(['inspect', '-f', '{{.State.Status}}', 'live']).trim(), 'running');
  docker(['rm', '-f', 'live']);
});
