/**
 * The default seccomp filter: the host's profile in Docker's format
 * (/usr/share/containers/seccomp.json from containers-common, maintained with
 * the kernel's syscall list) turned into the OCI form for one container. A
 * rule applies when all its `includes` hold (every listed capability granted,
 * the host architecture listed, the kernel new enough) and none of its
 * `excludes` do — so a container granted CAP_SYS_ADMIN may call what the
 * profile reserves for it, as with Docker.
 */

export interface SeccompArg {
  index: number;
  value: number;
  valueTwo?: number;
  op: string;
}

interface Conditions {
  caps?: string[];
  arches?: string[];
  minKernel?: string;
}

/** A profile in Docker's format (the fields berth reads). */
export interface SeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  archMap?: { architecture: string; subArchitectures?: string[] | null }[];
  syscalls: {
    names: string[];
    action: string;
    errnoRet?: number;
    args?: SeccompArg[] | null;
    includes?: Conditions;
    excludes?: Conditions;
  }[];
}

/** The OCI runtime spec's linux.seccomp. */
export interface OciSeccomp {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures: string[];
  syscalls: { names: string[]; action: string; errnoRet?: number; args?: SeccompArg[] }[];
}

/** Go's architecture names (as profiles use them) → libseccomp's. */
const SCMP_ARCH: Record<string, string> = {
  amd64: 'SCMP_ARCH_X86_64',
  arm64: 'SCMP_ARCH_AARCH64',
  ppc64le: 'SCMP_ARCH_PPC64LE',
  s390x: 'SCMP_ARCH_S390X',
  riscv64: 'SCMP_ARCH_RISCV64',
};

function kernelAtLeast(kernel: string, min: string): boolean {
  const a = kernel.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const b = min.split('.').map((x) => Number.parseInt(x, 10) || 0);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

export interface SeccompTarget {
  /** Capabilities the container's process gets (bounding set). */
  caps: readonly string[];
  /** Go architecture name of the host, e.g. amd64. */
  arch: string;
  /** Host kernel release, e.g. 6.1.0-13-amd64. */
  kernel: string;
}

export function seccompFor(profile: SeccompProfile, t: SeccompTarget): OciSeccomp {
  const native = SCMP_ARCH[t.arch];
  const entry = profile.archMap?.find((a) => a.architecture === native);
  const architectures = entry ? [entry.architecture, ...(entry.subArchitectures ?? [])] : native ? [native] : [];
  const syscalls: OciSeccomp['syscalls'] = [];
  for (const rule of profile.syscalls) {
    const inc = rule.includes ?? {};
    const exc = rule.excludes ?? {};
    if (inc.caps?.length && !inc.caps.every((c) => t.caps.includes(c))) continue;
    if (inc.arches?.length && !inc.arches.includes(t.arch)) continue;
    if (inc.minKernel && !kernelAtLeast(t.kernel, inc.minKernel)) continue;
    if (exc.caps?.some((c) => t.caps.includes(c))) continue;
    if (exc.arches?.includes(t.arch)) continue;
    syscalls.push({
      names: rule.names,
      action: rule.action,
      ...(rule.errnoRet !== undefined ? { errnoRet: rule.errnoRet } : {}),
      ...(rule.args && rule.args.length > 0 ? { args: rule.args } : {}),
    });
  }
  return {
    defaultAction: profile.defaultAction,
    ...(profile.defaultErrnoRet !== undefined ? { defaultErrnoRet: profile.defaultErrnoRet } : {}),
    architectures,
    syscalls,
  };
}
