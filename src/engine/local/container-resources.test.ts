import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Resources } from '../types.ts';
import { checkResources, ociResources, parseCpuset, type ResourceHost } from './container-resources.ts';

const host: ResourceHost = {
  ncpu: 2,
  cgroupVersion: '1',
  features: {
    swapLimit: true,
    swappiness: true,
    oomKillDisable: true,
    blkioWeight: false,
    cpuRealtime: true,
    cpus: '0-1',
    mems: '0',
  },
};

test("Docker's conflicts and ranges, with its messages", () => {
  const bad: [Resources, RegExp][] = [
    [{ NanoCpus: 5e8, CpuQuota: 50000 }, /Nano CPUs and CPU Quota/],
    [{ NanoCpus: 5e8, CpuPeriod: 50000 }, /Nano CPUs and CPU Period/],
    [{ NanoCpus: 3e9 }, /Range of CPUs is from 0.01 to 2.00/],
    [{ Memory: 1024 }, /Minimum memory limit allowed is 6MB/],
    [{ MemorySwap: 64 << 20 }, /always set the Memory limit/],
    [{ Memory: 64 << 20, MemorySwap: 32 << 20 }, /memoryswap limit should be larger/],
    [{ MemorySwappiness: 101 }, /swappiness range is 0-100/],
    [{ CpuPeriod: 10 }, /CPU cfs period/],
    [{ CpusetCpus: '0-7' }, /Requested CPUs are not available/],
    [{ CpusetCpus: 'x' }, /Invalid value x for cpuset cpus/],
    [{ BlkioWeight: 5 }, /Range of blkio weight/],
  ];
  for (const [r, msg] of bad) assert.throws(() => checkResources({ ...r }, host), msg);
});

test('what the host cannot do is dropped with a warning; kernel memory is deprecated', () => {
  const r: Resources = { BlkioWeight: 300, KernelMemory: 64 << 20 };
  const warnings = checkResources(r, host);
  assert.equal(r.BlkioWeight, 0);
  assert.equal(r.KernelMemory, 0);
  assert.ok(warnings.some((w) => /Block I\/O weight/.test(w)));
  assert.ok(warnings.some((w) => /kernel memory limit is deprecated/.test(w)));
});

test('OCI resources: --cpus as quota over a 100 ms period, devices by number', () => {
  const oci = ociResources(
    {
      Memory: 32 << 20,
      MemorySwap: 64 << 20,
      NanoCpus: 5e8,
      PidsLimit: 20,
      CpusetCpus: '0',
      BlkioDeviceReadBps: [{ Path: '/dev/x', Rate: 1000 }],
    },
    () => ({ major: 8, minor: 0 }),
  );
  assert.deepEqual(oci.memory, { limit: 32 << 20, swap: 64 << 20 });
  assert.deepEqual(oci.cpu, { period: 100000, quota: 50000, cpus: '0' });
  assert.deepEqual(oci.pids, { limit: 20 });
  assert.deepEqual(oci.blockIO, { throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1000 }] });
  assert.deepEqual([...(parseCpuset('0-2,5') ?? [])], [0, 1, 2, 5]);
});
