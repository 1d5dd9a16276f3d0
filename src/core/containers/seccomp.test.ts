import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { type SeccompProfile, seccompFor } from './seccomp.ts';

const profile: SeccompProfile = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: 38,
  archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] }],
  syscalls: [
    { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
    { names: ['chroot'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_CHROOT'] } },
    { names: ['chroot'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, excludes: { caps: ['CAP_SYS_CHROOT'] } },
    { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64'] } },
    { names: ['breakpoint'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm'] } },
    { names: ['newcall'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '6.5' } },
    {
      names: ['personality'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }],
    },
  ],
};

test('rules are kept by capabilities, architecture and kernel', () => {
  const withChroot = seccompFor(profile, { caps: ['CAP_SYS_CHROOT'], arch: 'amd64', kernel: '6.1.0-13-amd64' });
  assert.deepEqual(withChroot.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  assert.deepEqual(
    withChroot.syscalls.map((s) => `${s.names.join(',')}:${s.action}`),
    ['read,write:SCMP_ACT_ALLOW', 'chroot:SCMP_ACT_ALLOW', 'arch_prctl:SCMP_ACT_ALLOW', 'personality:SCMP_ACT_ALLOW'],
  );
  assert.deepEqual(withChroot.syscalls.at(-1)?.args, [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }]);
  const without = seccompFor(profile, { caps: [], arch: 'amd64', kernel: '6.18.4' });
  assert.deepEqual(
    without.syscalls.filter((s) => s.names.includes('chroot')),
    [{ names: ['chroot'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 }],
  );
  assert.ok(without.syscalls.some((s) => s.names.includes('newcall')));
  assert.equal(without.defaultErrnoRet, 38);
});

test("the host's containers-common profile (installed by the set-up) converts", () => {
  const host = JSON.parse(readFileSync('/usr/share/containers/seccomp.json', 'utf8')) as SeccompProfile;
  const oci = seccompFor(host, { caps: ['CAP_CHOWN'], arch: 'amd64', kernel: '6.1.0' });
  assert.ok(oci.syscalls.some((s) => s.names.includes('read') && s.action === 'SCMP_ACT_ALLOW'));
  assert.ok(!oci.syscalls.some((s) => s.names.includes('bpf') && s.action === 'SCMP_ACT_ALLOW'));
});
