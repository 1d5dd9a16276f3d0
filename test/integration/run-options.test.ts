/**
 * `run` options honoured by the kernel: resource limits read back from the
 * cgroup files outside the container and from /proc and /sys inside it,
 * namespaces, process settings, the default seccomp profile, and live
 * update/pause/top/stats. One daemon for the file.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { sleep, startDaemonWithBusybox, type TestDaemon } from '../helpers/daemon.ts';

let d: TestDaemon;
const V2 = existsSync('/sys/fs/cgroup/cgroup.controllers');

before(async () => {
  d = await startDaemonWithBusybox();
});

after(async () => {
  await d?.cleanup();
});

/** A file of container `id`'s cgroup, v1 (per controller) or v2 (unified). */
function cgroupFile(id: string, v1: [string, string], v2: string): string {
  const path = V2 ? `/sys/fs/cgroup/berth/${id}/${v2}` : `/sys/fs/cgroup/${v1[0]}/berth/${id}/${v1[1]}`;
  return readFileSync(path, 'utf8').trim();
}

function ok(args: string[]): string {
  const r = d.berth(args);
  assert.equal(r.code, 0, `berth ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function inspect(name: string): Promise<{
  Id: string;
  State: { Status: string; OOMKilled: boolean; ExitCode: number; Pid: number };
  HostConfig: Record<string, unknown>;
}> {
  return (await d.api('GET', `/containers/${name}/json`)).body as never;
}

test('--memory, --cpus, --pids-limit land in the cgroup, seen outside and inside', async () => {
  const id = ok([
    'run',
    '-d',
    '--name',
    'limited',
    '-m',
    '32m',
    '--cpus',
    '0.5',
    '--pids-limit',
    '20',
    'busybox',
    'sleep',
    '60',
  ]).trim();
  assert.equal(cgroupFile(id, ['memory', 'memory.limit_in_bytes'], 'memory.max'), String(32 * 1024 * 1024));
  assert.equal(cgroupFile(id, ['cpu', 'cpu.cfs_quota_us'], 'cpu.max'), V2 ? '50000 100000' : '50000');
  assert.equal(cgroupFile(id, ['cpu', 'cpu.cfs_period_us'], 'cpu.max'), V2 ? '50000 100000' : '100000');
  assert.equal(cgroupFile(id, ['pids', 'pids.max'], 'pids.max'), '20');
  const inside = V2
    ? 'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max'
    : 'cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max';
  assert.equal(ok(['exec', 'limited', 'sh', '-c', inside]), `${32 * 1024 * 1024}\n20\n`);
  ok(['rm', '-f', 'limited']);
});

test('past --memory 32m the process is OOM-killed: exit 137 and OOMKilled in inspect', async () => {
  const r = d.berth([
    'run',
    '--name',
    'hog',
    '-m',
    '32m',
    'busybox',
    'sh',
    '-c',
    'x=0123456789abcdef; while :; do x=$x$x; done',
  ]);
  assert.equal(r.code, 137, r.stderr);
  const s = await inspect('hog');
  assert.equal(s.State.OOMKilled, true);
  assert.equal(s.State.ExitCode, 137);
  // A clean exit of a limited container is not an OOM kill.
  ok(['run', '--name', 'calm', '-m', '32m', 'busybox', 'true']);
  assert.equal((await inspect('calm')).State.OOMKilled, false);
  ok(['rm', 'hog', 'calm']);
});

test('a fork loop stops at --pids-limit', async () => {
  const id = ok([
    'run',
    '-d',
    '--name',
    'forky',
    '--pids-limit',
    '10',
    'busybox',
    'sh',
    '-c',
    '(for i in $(seq 1 40); do sleep 60 & done) 2>/tmp/err; echo spawned; cat /tmp/err; exec sleep 60',
  ]).trim();
  let logs = '';
  for (let i = 0; i < 50 && !logs.includes('spawned'); i++) {
    await sleep(100);
    logs = d.berth(['logs', 'forky']).stdout;
  }
  assert.match(logs, /can't fork/);
  const current = Number(cgroupFile(id, ['pids', 'pids.current'], 'pids.current'));
  assert.ok(current >= 8 && current <= 10, `pids.current ${current}`);
  assert.match(cgroupFile(id, ['pids', 'pids.events'], 'pids.events'), /^max [1-9]/m);
  ok(['rm', '-f', 'forky']);
});

test('the default seccomp profile denies what the capabilities allow (swapon: EPERM filtered, EINVAL unconfined)', () => {
  const script = 'touch /tmp/s; swapon /tmp/s';
  const filtered = d.berth(['run', '--rm', '--cap-add', 'SYS_ADMIN', 'busybox', 'sh', '-c', script]);
  assert.match(filtered.stderr, /Operation not permitted/);
  const unconfined = d.berth([
    'run',
    '--rm',
    '--cap-add',
    'SYS_ADMIN',
    '--security-opt',
    'seccomp=unconfined',
    'busybox',
    'sh',
    '-c',
    script,
  ]);
  assert.match(unconfined.stderr, /Invalid argument/);
  const chown = d.berth(['run', '--rm', '--cap-drop', 'ALL', 'busybox', 'chown', 'nobody', '/tmp']);
  assert.match(chown.stderr, /Operation not permitted/);
  assert.equal(ok(['run', '--rm', '--ulimit', 'nofile=100:100', 'busybox', 'sh', '-c', 'ulimit -n']), '100\n');
});

test('bad input: one line, a 400, nothing created', async () => {
  const before = ((await d.api('GET', '/containers/json?all=1')).body as unknown[]).length;
  const size = d.berth(['run', '--rm', '-m', '12q', 'busybox', 'true']);
  assert.equal(size.code, 125);
  assert.match(size.stderr, /invalid suffix: 'q'/);
  const cases: [Record<string, unknown>, RegExp][] = [
    [{ NanoCpus: 5e8, CpuQuota: 50000 }, /Conflicting options: Nano CPUs and CPU Quota/],
    [{ Sysctls: { 'kernel.panic': '1' } }, /not in a separate kernel namespace/],
    [{ NetworkMode: 'host', Sysctls: { 'net.ipv4.ip_forward': '1' } }, /not allowed in host network namespace/],
    [{ Memory: 1000 }, /Minimum memory limit allowed is 6MB/],
    [{ PidMode: 'bogus' }, /invalid PID mode/],
    [{ OomScoreAdj: 5000 }, /range for oom score adj/],
    [{ CpusetCpus: '0-99' }, /Requested CPUs are not available/],
  ];
  for (const [hc, msg] of cases) {
    const r = await d.api('POST', '/containers/create', { Image: 'busybox', Cmd: ['true'], HostConfig: hc });
    assert.equal(r.status, 400, JSON.stringify(hc));
    const m = (r.body as { message: string }).message;
    assert.match(m, msg);
    assert.equal(m.includes('\n'), false);
  }
  const kmem = await d.api('POST', '/containers/create?name=kmem', {
    Image: 'busybox',
    Cmd: ['true'],
    HostConfig: { KernelMemory: 64 << 20 },
  });
  assert.equal(kmem.status, 201);
  assert.match((kmem.body as { Warnings: string[] }).Warnings.join('\n'), /kernel memory limit is deprecated/);
  ok(['rm', 'kmem']);
  assert.equal(((await d.api('GET', '/containers/json?all=1')).body as unknown[]).length, before);
});

test('namespaces: --pid host, --uts host, --ipc shareable and container:, --cgroupns private', () => {
  const hostPid1 = readFileSync('/proc/1/comm', 'utf8').trim();
  assert.equal(ok(['run', '--rm', '--pid', 'host', 'busybox', 'cat', '/proc/1/comm']).trim(), hostPid1);
  assert.equal(ok(['run', '--rm', 'busybox', 'cat', '/proc/1/comm']).trim(), 'cat');
  assert.equal(ok(['run', '--rm', '--uts', 'host', 'busybox', 'hostname']).trim(), hostname());
  ok([
    'run',
    '-d',
    '--name',
    'donor',
    '--ipc',
    'shareable',
    'busybox',
    'sh',
    '-c',
    'echo shared > /dev/shm/x; exec sleep 60',
  ]);
  ok(['run', '-d', '--name', 'private', 'busybox', 'sleep', '60']);
  const joined = ok([
    'run',
    '--rm',
    '--ipc',
    'container:donor',
    '--pid',
    'container:donor',
    'busybox',
    'sh',
    '-c',
    'cat /dev/shm/x; cat /proc/1/comm',
  ]);
  assert.equal(joined, 'shared\nsleep\n');
  const refused = d.berth(['run', '--rm', '--ipc', 'container:private', 'busybox', 'true']);
  assert.match(refused.stderr, /non-shareable IPC/);
  ok(['rm', '-f', 'donor', 'private']);
  // A private cgroup namespace sees its own cgroup as the root.
  const own = ok(['run', '--rm', '--cgroupns', 'private', 'busybox', 'grep', 'pids', '/proc/self/cgroup']);
  assert.match(own, /pids:\/$/m);
  if (!V2) assert.match(ok(['run', '--rm', 'busybox', 'grep', 'pids', '/proc/self/cgroup']), /pids:\/berth\//);
});

test('process options: user and groups, sysctls, oom score, shm size, names, hosts and DNS, workdir, masked paths', () => {
  assert.equal(
    ok(['run', '--rm', '-u', 'nobody', '--group-add', 'root', '--group-add', '1234', 'busybox', 'id']).trim(),
    'uid=65534(nobody) gid=65534(nobody) groups=0(root),1234,65534(nobody)',
  );
  assert.equal(ok(['run', '--rm', '-u', '1000:1000', 'busybox', 'id', '-u']).trim(), '1000');
  assert.equal(
    ok([
      'run',
      '--rm',
      '--sysctl',
      'net.ipv4.ip_forward=1',
      '--sysctl',
      'kernel.shmmax=1000000',
      'busybox',
      'cat',
      '/proc/sys/net/ipv4/ip_forward',
      '/proc/sys/kernel/shmmax',
    ]),
    '1\n1000000\n',
  );
  assert.equal(
    ok(['run', '--rm', '--oom-score-adj', '300', 'busybox', 'cat', '/proc/self/oom_score_adj']).trim(),
    '300',
  );
  assert.match(ok(['run', '--rm', '--shm-size', '16m', 'busybox', 'df', '-k', '/dev/shm']), /\s16384\s/);
  assert.equal(
    ok([
      'run',
      '--rm',
      '-h',
      'web',
      '--domainname',
      'example.com',
      'busybox',
      'sh',
      '-c',
      'hostname; cat /proc/sys/kernel/domainname',
    ]),
    'web\nexample.com\n',
  );
  const net = ok([
    'run',
    '--rm',
    '--add-host',
    'db:10.0.0.5',
    '--dns',
    '9.9.9.9',
    '--dns-search',
    'a.example',
    '--dns-option',
    'ndots:2',
    'busybox',
    'sh',
    '-c',
    'grep db /etc/hosts; cat /etc/resolv.conf',
  ]);
  assert.match(net, /^10\.0\.0\.5\tdb$/m);
  assert.match(net, /^nameserver 9\.9\.9\.9$/m);
  assert.doesNotMatch(net.replace('nameserver 9.9.9.9', ''), /^nameserver/m);
  assert.match(net, /^search a\.example$/m);
  assert.match(net, /^options ndots:2$/m);
  assert.equal(ok(['run', '--rm', '-w', '/made/for/you', 'busybox', 'pwd']).trim(), '/made/for/you');
  // Masked: empty; read-only: /proc/sys and /proc/sysrq-trigger.
  assert.equal(ok(['run', '--rm', 'busybox', 'sh', '-c', 'cat /proc/timer_list | wc -c']).trim(), '0');
  assert.match(ok(['run', '--rm', 'busybox', 'grep', ' /proc/sys ', '/proc/self/mounts']), /\bro\b/);
  assert.notEqual(d.berth(['run', '--rm', 'busybox', 'sh', '-c', 'echo 1 > /proc/sysrq-trigger']).code, 0);
});

test('--stop-signal and --stop-timeout are what stop uses; default-ulimits from daemon.json', async () => {
  ok([
    'run',
    '-d',
    '--name',
    'trapper',
    '--stop-signal',
    'SIGUSR1',
    'busybox',
    'sh',
    '-c',
    "trap 'echo got USR1; exit 3' USR1; while :; do sleep 0.1; done",
  ]);
  await sleep(300);
  ok(['stop', 'trapper']);
  assert.equal((await inspect('trapper')).State.ExitCode, 3);
  assert.match(ok(['logs', 'trapper']), /got USR1/);
  ok([
    'run',
    '-d',
    '--name',
    'stubborn',
    '--stop-timeout',
    '1',
    'busybox',
    'sh',
    '-c',
    "trap '' TERM; while :; do sleep 0.1; done",
  ]);
  await sleep(300);
  ok(['stop', 'stubborn']);
  assert.equal((await inspect('stubborn')).State.ExitCode, 137);
  ok(['rm', 'trapper', 'stubborn']);

  writeFileSync(
    join(d.dir, 'none.json'),
    JSON.stringify({ 'default-ulimits': { nofile: { Name: 'nofile', Soft: 321, Hard: 654 } } }),
  );
  await d.stop();
  await d.restart();
  assert.equal(ok(['run', '--rm', 'busybox', 'sh', '-c', 'ulimit -n; ulimit -Hn']), '321\n654\n');
  assert.equal(ok(['run', '--rm', '--ulimit', 'nofile=100:100', 'busybox', 'sh', '-c', 'ulimit -n']), '100\n');
});

test('update changes limits of a running container; pause freezes it; top and stats report it', async () => {
  const id = ok(['run', '-d', '--name', 'live', '-m', '64m', 'busybox', 'sleep', '120']).trim();
  ok(['update', '--cpus', '0.25', '-m', '48m', '--pids-limit', '7', '--restart', 'on-failure:2', 'live']);
  assert.equal(cgroupFile(id, ['cpu', 'cpu.cfs_quota_us'], 'cpu.max'), V2 ? '25000 100000' : '25000');
  assert.equal(cgroupFile(id, ['memory', 'memory.limit_in_bytes'], 'memory.max'), String(48 * 1024 * 1024));
  assert.equal(cgroupFile(id, ['pids', 'pids.max'], 'pids.max'), '7');
  const s = await inspect('live');
  assert.equal(s.HostConfig.NanoCpus, 250_000_000);
  assert.deepEqual(s.HostConfig.RestartPolicy, { Name: 'on-failure', MaximumRetryCount: 2 });
  const conflict = d.berth(['update', '--cpu-quota', '50000', 'live']);
  assert.match(conflict.stderr, /NanoCPUs has already been set/);

  ok(['pause', 'live']);
  assert.match(
    V2 ? cgroupFile(id, ['', ''], 'cgroup.freeze') : cgroupFile(id, ['freezer', 'freezer.state'], ''),
    V2 ? /^1$/ : /FROZEN/,
  );
  assert.equal((await inspect('live')).State.Status, 'paused');
  assert.match(ok(['ps', '--filter', 'name=live', '--format', '{{.Status}}']), /\(Paused\)/);
  assert.match(d.berth(['pause', 'live']).stderr, /already paused/);
  ok(['unpause', 'live']);
  assert.equal((await inspect('live')).State.Status, 'running');

  const pid = (await inspect('live')).State.Pid;
  const top = (await d.api('GET', '/containers/live/top?ps_args=-o%20pid,comm')).body as {
    Titles: string[];
    Processes: string[][];
  };
  assert.deepEqual(top.Titles, ['PID', 'COMMAND']);
  assert.deepEqual(top.Processes, [[String(pid), 'sleep']]);
  assert.match(ok(['top', 'live']), new RegExp(`^root\\s+${pid}\\s.*sleep 120$`, 'm'));

  const stats = (await d.api('GET', '/containers/live/stats?stream=0')).body as {
    id: string;
    pids_stats: { current: number; limit: number };
    memory_stats: { usage: number; limit: number };
    cpu_stats: { cpu_usage: { total_usage: number }; system_cpu_usage: number; online_cpus: number };
    precpu_stats: { system_cpu_usage: number };
  };
  assert.equal(stats.id, id);
  assert.equal(stats.pids_stats.current, 1);
  assert.equal(stats.pids_stats.limit, 7);
  assert.equal(stats.memory_stats.limit, 48 * 1024 * 1024);
  assert.ok(stats.memory_stats.usage > 0);
  assert.ok(stats.cpu_stats.cpu_usage.total_usage > 0);
  assert.ok(stats.cpu_stats.system_cpu_usage > stats.precpu_stats.system_cpu_usage);
  const table = ok(['stats', '--no-stream', 'live']);
  assert.match(table, /^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT\s+MEM %\s+NET I\/O\s+BLOCK I\/O\s+PIDS$/m);
  assert.match(table, new RegExp(`^${id.slice(0, 12)}\\s+live\\s+\\d+\\.\\d\\d%\\s+[\\d.]+[KM]?i?B / 48MiB\\s+`, 'm'));
  ok(['rm', '-f', 'live']);
});
