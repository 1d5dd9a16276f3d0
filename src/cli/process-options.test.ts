import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseArgs, UsageError } from './argv.ts';
import { CONTAINER_FLAGS, type HostAccess, buildCreateRequest } from './run-options.ts';
import { parseBytes } from '../lib/size.ts';

const host: HostAccess = { env: () => undefined, readFile: () => '' };

function body(argv: string[]) {
  const p = parseArgs([...argv, 'busybox'], CONTAINER_FLAGS, { stopAtPositional: true });
  return buildCreateRequest(p, { image: 'busybox', command: [] }, host).body;
}

test('sizes as go-units reads them; malformed ones refused before the daemon is asked', () => {
  assert.equal(parseBytes('32m'), 32 * 1024 * 1024);
  assert.equal(parseBytes('1.5g'), 1.5 * 1024 ** 3);
  assert.equal(parseBytes('512'), 512);
  assert.equal(parseBytes('2MiB'), 2 * 1024 * 1024);
  assert.equal(parseBytes('12q'), undefined);
  assert.throws(
    () => body(['-m', '12q']),
    (e: Error) => e instanceof UsageError && /invalid suffix: 'q'/.test(e.message),
  );
});

test('resource, namespace and process flags become the fields the docker CLI sends', () => {
  const b = body([
    '-m',
    '64m',
    '--memory-swap',
    '-1',
    '--cpus',
    '0.5',
    '--pids-limit',
    '20',
    '--cpu-shares',
    '512',
    '--cpuset-cpus',
    '0',
    '--device-read-bps',
    '/dev/sda:1mb',
    '--sysctl',
    'net.ipv4.ip_forward=1',
    '--pid',
    'host',
    '--ipc',
    'shareable',
    '--group-add',
    'audio',
    '--stop-signal',
    'SIGINT',
    '--stop-timeout',
    '3',
    '--add-host',
    'db:10.0.0.5',
    '--dns',
    '1.1.1.1',
    '--shm-size',
    '1g',
    '--oom-score-adj',
    '10',
  ]);
  const hc = b.HostConfig ?? {};
  assert.equal(hc.Memory, 64 * 1024 * 1024);
  assert.equal(hc.MemorySwap, -1);
  assert.equal(hc.NanoCpus, 500_000_000);
  assert.equal(hc.PidsLimit, 20);
  assert.equal(hc.CpuShares, 512);
  assert.deepEqual(hc.BlkioDeviceReadBps, [{ Path: '/dev/sda', Rate: 1024 * 1024 }]);
  assert.deepEqual(hc.Sysctls, { 'net.ipv4.ip_forward': '1' });
  assert.equal(hc.PidMode, 'host');
  assert.equal(hc.IpcMode, 'shareable');
  assert.deepEqual(hc.GroupAdd, ['audio']);
  assert.deepEqual(hc.ExtraHosts, ['db:10.0.0.5']);
  assert.equal(hc.ShmSize, 1024 ** 3);
  assert.equal(hc.OomScoreAdj, 10);
  assert.equal(b.StopSignal, 'SIGINT');
  assert.equal(b.StopTimeout, 3);
  assert.equal(hc.MemorySwappiness, undefined);
});

test('health flags: a CMD-SHELL test with durations in ns; --no-healthcheck conflicts with them', () => {
  const b = body(['--health-cmd', 'true', '--health-interval', '1s', '--health-retries', '2']);
  assert.deepEqual(b.Healthcheck, {
    Test: ['CMD-SHELL', 'true'],
    Interval: 1e9,
    Timeout: 0,
    StartPeriod: 0,
    StartInterval: 0,
    Retries: 2,
  });
  assert.deepEqual(body(['--no-healthcheck']).Healthcheck, { Test: ['NONE'] });
  assert.throws(() => body(['--no-healthcheck', '--health-cmd', 'x']), /conflicts/);
});
