/**
 * The parts of the OCI runtime specification (config.json) that berth writes.
 * Field names follow the specification exactly.
 */

export interface OciUser {
  uid: number;
  gid: number;
  additionalGids?: number[];
  umask?: number;
}

export interface OciRlimit {
  type: string;
  hard: number;
  soft: number;
}

export interface OciProcess {
  terminal: boolean;
  consoleSize?: { height: number; width: number };
  user: OciUser;
  args: string[];
  env: string[];
  cwd: string;
  capabilities?: {
    bounding: string[];
    effective: string[];
    permitted: string[];
    inheritable?: string[];
    ambient?: string[];
  };
  rlimits?: OciRlimit[];
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
}

export interface OciMount {
  destination: string;
  type?: string;
  source?: string;
  options?: string[];
}

export interface OciNamespace {
  type: 'pid' | 'network' | 'mount' | 'ipc' | 'uts' | 'user' | 'cgroup';
  path?: string;
}

/** A device by number with a value: weight or rate. */
export interface OciDeviceValue {
  major: number;
  minor: number;
  weight?: number;
  rate?: number;
}

/** linux.resources: what the runtime writes into the container's cgroup (v1 or v2, its choice of files). */
export interface OciResources {
  devices?: { allow: boolean; type?: string; major?: number; minor?: number; access?: string }[];
  memory?: {
    limit?: number;
    reservation?: number;
    swap?: number;
    kernel?: number;
    swappiness?: number;
    disableOOMKiller?: boolean;
  };
  cpu?: {
    shares?: number;
    quota?: number;
    period?: number;
    realtimeRuntime?: number;
    realtimePeriod?: number;
    cpus?: string;
    mems?: string;
  };
  pids?: { limit: number };
  blockIO?: {
    weight?: number;
    weightDevice?: OciDeviceValue[];
    throttleReadBpsDevice?: OciDeviceValue[];
    throttleWriteBpsDevice?: OciDeviceValue[];
    throttleReadIOPSDevice?: OciDeviceValue[];
    throttleWriteIOPSDevice?: OciDeviceValue[];
  };
}

export interface OciLinux {
  namespaces: OciNamespace[];
  devices?: {
    path: string;
    type: string;
    major: number;
    minor: number;
    fileMode?: number;
    uid?: number;
    gid?: number;
  }[];
  cgroupsPath?: string;
  resources?: OciResources;
  seccomp?: {
    defaultAction: string;
    defaultErrnoRet?: number;
    architectures: string[];
    syscalls: {
      names: string[];
      action: string;
      errnoRet?: number;
      args?: { index: number; value: number; valueTwo?: number; op: string }[];
    }[];
  };
  maskedPaths?: string[];
  readonlyPaths?: string[];
  sysctl?: Record<string, string>;
}

export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly?: boolean };
  hostname?: string;
  domainname?: string;
  mounts: OciMount[];
  linux: OciLinux;
  annotations?: Record<string, string>;
}
