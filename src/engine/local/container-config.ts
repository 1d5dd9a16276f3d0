/**
 * Pure rules for a container's configuration, as Docker applies them: the
 * image's config merged with the request, binds, network modes, ulimits, and
 * the exit code of a start that failed.
 */
import type { ContainerConfig, ContainerCreateRequest, HealthConfig } from '../types.ts';
import { invalidArgument } from '../../lib/errors.ts';
import { RLIMIT_ROWS } from '../../host/rlimits.ts';
import { parseBytes } from '../../lib/size.ts';
import type { SeccompProfile } from '../../core/containers/seccomp.ts';

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Docker's exit codes for a start that failed: 127 not found, 126 not executable, else 128. */
export function exitCodeForStartError(message: string): number {
  if (/executable file not found|no such file or directory/i.test(message)) return 127;
  if (/permission denied|is a directory/i.test(message)) return 126;
  return 128;
}

/**
 * The network mode as stored: `bridge` for Docker's defaults, `none`, `host`,
 * `container:<ref>`, or the name or ID of a network (checked when attached).
 */
export function normalizeNetworkMode(mode: string | undefined): string {
  const m = mode ?? '';
  if (m === '' || m === 'default') return 'bridge';
  if (m === 'container:') throw invalidArgument('invalid network mode "container:": a container is needed');
  return m;
}

/**
 * Checks `--ulimit` values: known names, soft ≤ hard, and hard within what
 * berthd itself has (it cannot raise a hard limit, and crun would fail late).
 */
export function validateUlimits(
  ulimits: { Name: string; Soft: number; Hard: number }[],
  hard: Record<string, number>,
): void {
  for (const u of ulimits) {
    if (!(u.Name in RLIMIT_ROWS)) throw invalidArgument(`invalid ulimit type: ${u.Name}`);
    if (u.Soft > u.Hard) {
      throw invalidArgument(`ulimit soft limit must be less than or equal to hard limit: ${u.Soft} > ${u.Hard}`);
    }
    const max = hard[u.Name];
    if (max !== undefined && u.Hard > max) {
      throw invalidArgument(
        `ulimit ${u.Name}=${u.Soft}:${u.Hard} exceeds the hard limit berthd runs with (${max}); berthd cannot raise it`,
      );
    }
  }
}

/** Env lists merged by key, later wins, order kept. */
export function mergeEnv(base: string[], over: string[]): string[] {
  const out = new Map<string, string>();
  for (const e of [...base, ...over]) {
    const k = e.includes('=') ? e.slice(0, e.indexOf('=')) : e;
    out.set(k, e);
  }
  return [...out.values()];
}

/** The container's Config as Docker computes it: the image's config overridden by the request. */
export function mergeConfig(image: ContainerConfig, req: ContainerCreateRequest): ContainerConfig {
  // `--entrypoint ""` arrives as [""] from the docker CLI: it means "no entrypoint".
  const entrypoint = req.Entrypoint?.length === 1 && req.Entrypoint[0] === '' ? [] : req.Entrypoint;
  const entrypointGiven = entrypoint !== undefined && entrypoint !== null;
  const cmdGiven = req.Cmd !== undefined && req.Cmd !== null && req.Cmd.length > 0;
  let env = mergeEnv(image.Env ?? [], req.Env ?? []);
  if (!env.some((e) => e.startsWith('PATH='))) env = [DEFAULT_PATH, ...env];
  return {
    Hostname: req.Hostname ?? '',
    Domainname: req.Domainname ?? '',
    User: req.User || image.User || '',
    AttachStdin: req.AttachStdin === true,
    AttachStdout: req.AttachStdout === true,
    AttachStderr: req.AttachStderr === true,
    ExposedPorts: { ...(image.ExposedPorts ?? {}), ...(req.ExposedPorts ?? {}) },
    Tty: req.Tty === true,
    OpenStdin: req.OpenStdin === true,
    StdinOnce: req.StdinOnce === true,
    Env: env,
    Cmd: cmdGiven ? req.Cmd : entrypointGiven ? [] : (image.Cmd ?? []),
    Image: req.Image,
    Volumes: { ...(image.Volumes ?? {}), ...(req.Volumes ?? {}) },
    WorkingDir: req.WorkingDir || image.WorkingDir || '',
    Entrypoint: entrypointGiven ? entrypoint : (image.Entrypoint ?? null),
    Labels: { ...(image.Labels ?? {}), ...(req.Labels ?? {}) },
    StopSignal: req.StopSignal || image.StopSignal || undefined,
    StopTimeout: req.StopTimeout,
    Healthcheck: mergeHealthcheck(image.Healthcheck, req.Healthcheck),
  };
}

/** Docker's merge of a request's health check over the image's: an empty test or a zero field takes the image's. */
export function mergeHealthcheck(
  image: HealthConfig | undefined,
  req: HealthConfig | undefined,
): HealthConfig | undefined {
  if (!req) return image;
  if (!image || ((req.Test?.length ?? 0) > 0 && req.Test?.[0] === 'NONE')) return req;
  return {
    Test: req.Test && req.Test.length > 0 ? req.Test : image.Test,
    Interval: req.Interval || image.Interval,
    Timeout: req.Timeout || image.Timeout,
    StartPeriod: req.StartPeriod || image.StartPeriod,
    StartInterval: req.StartInterval || image.StartInterval,
    Retries: req.Retries || image.Retries,
  };
}

/** What `--security-opt` asks for. */
export interface SecurityOpts {
  /** The default profile, none, or a profile given in the request. */
  seccomp: 'default' | 'unconfined' | SeccompProfile;
  noNewPrivileges: boolean;
}

/** Parses HostConfig.SecurityOpt as Docker does; unknown options are refused. */
export function parseSecurityOpts(opts: string[]): SecurityOpts {
  const out: SecurityOpts = { seccomp: 'default', noNewPrivileges: false };
  for (const opt of opts) {
    const eq = opt.search(/[=:]/);
    const key = eq < 0 ? opt : opt.slice(0, eq);
    const value = eq < 0 ? '' : opt.slice(eq + 1);
    if (key === 'no-new-privileges') {
      if (!['', 'true', 'false'].includes(value)) throw invalidArgument(`invalid --security-opt 2: "${opt}"`);
      out.noNewPrivileges = value !== 'false';
    } else if (key === 'seccomp') {
      if (value === 'unconfined') out.seccomp = 'unconfined';
      else {
        let profile: unknown;
        try {
          profile = JSON.parse(value);
        } catch {
          throw invalidArgument(`Decoding seccomp profile failed: invalid JSON in --security-opt ${key}`);
        }
        const p = profile as Partial<SeccompProfile>;
        if (typeof p.defaultAction !== 'string' || !Array.isArray(p.syscalls)) {
          throw invalidArgument('Decoding seccomp profile failed: it needs defaultAction and syscalls');
        }
        out.seccomp = profile as SeccompProfile;
      }
    } else if (key === 'label' || key === 'apparmor') {
      // No SELinux or AppArmor on berth's hosts yet: accepted and ignored, as Docker does where they are off.
    } else {
      throw invalidArgument(`invalid --security-opt 1: "${opt}"`);
    }
  }
  return out;
}

/** The sysctls of the IPC namespace (runc's list, which Docker follows). */
const IPC_SYSCTLS = new Set([
  'kernel.msgmax',
  'kernel.msgmnb',
  'kernel.msgmni',
  'kernel.sem',
  'kernel.shmall',
  'kernel.shmmax',
  'kernel.shmmni',
  'kernel.shm_rmid_forced',
]);

/**
 * Checks `--sysctl`: only sysctls of a namespace the container has of its own
 * (IPC: kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*; network: net.*;
 * UTS: kernel.hostname/domainname are refused as Docker's runtime does, the
 * hostname options set them). Anything else would change the host.
 */
export function validateSysctls(sysctls: Record<string, string>, ns: { ipcHost: boolean; netHost: boolean }): void {
  for (const key of Object.keys(sysctls)) {
    if (IPC_SYSCTLS.has(key) || key.startsWith('fs.mqueue.')) {
      if (ns.ipcHost) throw invalidArgument(`sysctl "${key}" not allowed in host IPC namespace (--ipc host)`);
      continue;
    }
    if (key.startsWith('net.')) {
      if (ns.netHost) throw invalidArgument(`sysctl "${key}" not allowed in host network namespace (--network host)`);
      continue;
    }
    throw invalidArgument(
      `sysctl "${key}" is not in a separate kernel namespace: it would change the host (only kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.* and net.* are allowed)`,
    );
  }
}

/** A namespace mode parsed: private, host, or another container's (by id or name). */
export type NamespaceMode =
  | { kind: 'private' }
  | { kind: 'host' }
  | { kind: 'none' }
  | { kind: 'container'; ref: string };

/** Parses PidMode/IpcMode/UTSMode/CgroupnsMode/UsernsMode values as Docker names them. */
export function parseNamespaceMode(
  option: 'pid' | 'ipc' | 'uts' | 'cgroupns' | 'userns',
  value: string | undefined,
): NamespaceMode {
  const v = value ?? '';
  const allowed: Record<typeof option, string[]> = {
    pid: ['', 'host'],
    ipc: ['', 'private', 'shareable', 'host', 'none'],
    uts: ['', 'host'],
    cgroupns: ['', 'private', 'host'],
    userns: ['', 'host'],
  };
  if (v.startsWith('container:') && (option === 'pid' || option === 'ipc')) {
    const ref = v.slice('container:'.length);
    if (ref === '') throw invalidArgument(`invalid ${option.toUpperCase()} mode: ${v}`);
    return { kind: 'container', ref };
  }
  if (!allowed[option].includes(v)) {
    const name = { pid: 'PID', ipc: 'IPC', uts: 'UTS', cgroupns: 'cgroup namespace', userns: 'user namespace' }[option];
    throw invalidArgument(`invalid ${name} mode: ${v}`);
  }
  if (v === 'host') return { kind: 'host' };
  if (v === 'none') return { kind: 'none' };
  return { kind: 'private' };
}

/** berth's cap on a json-file log without max-size (Docker's is unbounded). */
export const DEFAULT_LOG_CAP = 100 * 1024 * 1024;

/** A container's log settings. */
export interface LogSettings {
  driver: 'json-file' | 'local' | 'none';
  /** Bytes per file before rotation; 0 = no cap. */
  maxSize: number;
  /** Files kept, the live one included. */
  maxFiles: number;
}

const LOG_OPTS: Record<string, string[]> = {
  'json-file': ['max-size', 'max-file', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag'],
  local: ['max-size', 'max-file', 'compress'],
  none: [],
};

/**
 * Checks `--log-driver`/`--log-opt` as Docker's drivers do and settles the
 * effective limits: json-file (the default) with max-size/max-file, local
 * (20 MB × 5 by default, as Docker's), none. berth stores both file drivers
 * in conmon's k8s-file format; a json-file log without max-size is capped at
 * 100 MB (Docker's is unbounded).
 */
export function logSettings(cfg: { Type?: string; Config?: Record<string, string> } | undefined): LogSettings {
  const type = cfg?.Type || 'json-file';
  const opts = cfg?.Config ?? {};
  if (!(type in LOG_OPTS)) {
    throw invalidArgument(`logging driver "${type}" is not supported by berth (json-file, local, none)`);
  }
  for (const k of Object.keys(opts)) {
    if (!(LOG_OPTS[type] ?? []).includes(k)) throw invalidArgument(`unknown log opt '${k}' for ${type} log driver`);
  }
  if (type === 'none') return { driver: 'none', maxSize: 0, maxFiles: 1 };
  let maxSize = type === 'local' ? 20 * 1024 * 1024 : DEFAULT_LOG_CAP;
  const size = opts['max-size'];
  if (size !== undefined && size !== '-1') {
    const n = parseBytes(size);
    if (n === undefined) throw invalidArgument(`invalid max-size: '${size}'`);
    if (n <= 0) throw invalidArgument(`max-size must be a positive number`);
    maxSize = n;
  }
  let maxFiles = type === 'local' ? 5 : 1;
  const files = opts['max-file'];
  if (files !== undefined) {
    if (!/^-?\d+$/.test(files)) throw invalidArgument(`invalid max-file: '${files}'`);
    maxFiles = Number(files);
    if (maxFiles < 1) throw invalidArgument('max-file cannot be less than 1');
    if (type === 'json-file' && maxFiles > 1 && size === undefined) {
      throw invalidArgument("max-file can't be used without max-size");
    }
  }
  return { driver: type as LogSettings['driver'], maxSize, maxFiles };
}
