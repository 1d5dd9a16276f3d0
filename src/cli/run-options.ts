/**
 * `create`/`run`/`exec` flags → the API bodies, built exactly as the docker
 * CLI builds them (cli/command/container/opts.go), so `berth run` and
 * `docker run` against berthd send the same request. Pure: the environment
 * and files are reached through {@link HostAccess}.
 */
import type { ContainerCreateRequest, ExecCreateRequest, HostConfig, RestartPolicy } from '../engine/types.ts';
import { type FlagSpec, type ParsedArgs, UsageError } from './argv.ts';
import { NETWORK_FLAGS, networkFields } from './network-options.ts';
import { parseDeviceFlag, parseMountFlag, parseStorageOpts, parseTmpfsFlags } from './mount-options.ts';
import { PROCESS_FLAGS, processConfig, processHostConfig } from './process-options.ts';

/** The flags `create` and `run` share. */
export const CONTAINER_FLAGS: FlagSpec[] = [
  { long: 'attach', short: 'a', type: 'list', description: 'Attach to STDIN, STDOUT or STDERR' },
  { long: 'entrypoint', type: 'string', description: 'Overwrite the default ENTRYPOINT of the image' },
  { long: 'env', short: 'e', type: 'list', description: 'Set environment variables' },
  { long: 'env-file', type: 'list', description: 'Read in a file of environment variables' },
  { long: 'hostname', short: 'h', type: 'string', description: 'Container host name' },
  {
    long: 'init',
    type: 'bool',
    description: 'Run an init inside the container that forwards signals and reaps processes',
  },
  { long: 'interactive', short: 'i', type: 'bool', description: 'Keep STDIN open even if not attached' },
  { long: 'label', short: 'l', type: 'list', description: 'Set meta data on a container' },
  { long: 'label-file', type: 'list', description: 'Read in a line delimited file of labels' },
  { long: 'name', type: 'string', description: 'Assign a name to the container' },
  ...NETWORK_FLAGS,
  {
    long: 'restart',
    type: 'string',
    description: 'Restart policy to apply when a container exits',
    default: 'no',
  },
  {
    long: 'rm',
    type: 'bool',
    description: 'Automatically remove the container and its associated anonymous volumes when it exits',
  },
  { long: 'tty', short: 't', type: 'bool', description: 'Allocate a pseudo-TTY' },
  { long: 'ulimit', type: 'list', description: 'Ulimit options (name=soft[:hard])' },
  { long: 'cap-add', type: 'list', description: 'Add Linux capabilities' },
  { long: 'cap-drop', type: 'list', description: 'Drop Linux capabilities' },
  { long: 'privileged', type: 'bool', description: 'Give extended privileges to this container' },
  { long: 'security-opt', type: 'list', description: 'Security Options' },
  { long: 'user', short: 'u', type: 'string', description: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
  { long: 'volume', short: 'v', type: 'list', description: 'Bind mount a volume' },
  { long: 'mount', type: 'list', description: 'Attach a filesystem mount to the container' },
  { long: 'tmpfs', type: 'list', description: 'Mount a tmpfs directory' },
  { long: 'read-only', type: 'bool', description: "Mount the container's root filesystem as read only" },
  { long: 'volumes-from', type: 'list', description: 'Mount volumes from the specified container(s)' },
  { long: 'device', type: 'list', description: 'Add a host device to the container' },
  { long: 'device-cgroup-rule', type: 'list', description: 'Add a rule to the cgroup allowed devices list' },
  {
    long: 'storage-opt',
    type: 'list',
    description: 'Storage driver options for the container (size=, on xfs with prjquota)',
  },
  { long: 'workdir', short: 'w', type: 'string', description: 'Working directory inside the container' },
  { long: 'detach-keys', type: 'string', description: 'Override the key sequence for detaching a container' },
  ...PROCESS_FLAGS,
];

/** The flags only `run` has. */
export const RUN_ONLY_FLAGS: FlagSpec[] = [
  { long: 'detach', short: 'd', type: 'bool', description: 'Run container in background and print container ID' },
  { long: 'sig-proxy', type: 'bool', description: 'Proxy received signals to the process (default true)' },
];

/** What pure option building needs from the host: environment variables and small files. */
export interface HostAccess {
  env(name: string): string | undefined;
  readFile(path: string): string;
}

/** Positional arguments of create/run: the image and the command. */
export interface CreateTarget {
  image: string;
  command: string[];
}

/** A create request and the name it goes with (a query parameter, not part of the body). */
export interface CreatePlan {
  body: ContainerCreateRequest;
  name: string | undefined;
}

/**
 * Builds the ContainerCreate body of `berth create`/`berth run` from parsed
 * flags. `detach` is run's `-d`: nothing is attached then. Throws UsageError
 * for values the docker CLI rejects before calling the daemon.
 */
export function buildCreateRequest(p: ParsedArgs, target: CreateTarget, host: HostAccess): CreatePlan {
  const detach = p.changed('detach') && p.bool('detach');
  const attach = p.list('attach').map((s) => {
    const v = s.toLowerCase();
    if (v !== 'stdin' && v !== 'stdout' && v !== 'stderr') {
      throw new UsageError(
        `invalid argument "${s}" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR`,
      );
    }
    return v;
  });
  if (detach && attach.length > 0)
    throw new UsageError('conflicting options: cannot specify both --attach and --detach');
  const interactive = p.bool('interactive');
  let attachStdin = attach.includes('stdin') || interactive;
  let attachStdout = attach.length === 0 || attach.includes('stdout');
  let attachStderr = attach.length === 0 || attach.includes('stderr');
  if (detach) {
    attachStdin = false;
    attachStdout = false;
    attachStderr = false;
  }

  const env = [
    ...readKeyValueFiles(p.list('env-file'), host, 'env'),
    ...p.list('env').map((e) => validateEnv(e, host)),
  ];
  const labels: Record<string, string> = {};
  for (const kv of [...readKeyValueFiles(p.list('label-file'), host, 'label'), ...p.list('label')]) {
    const eq = kv.indexOf('=');
    if (eq === 0) throw new UsageError(`invalid argument "${kv}" for "-l, --label" flag: invalid label format`);
    if (eq === -1) labels[kv] = '';
    else labels[kv.slice(0, eq)] = kv.slice(eq + 1);
  }

  let entrypoint: string[] | null = null;
  const ep = p.string('entrypoint');
  if (ep !== undefined && ep !== '') entrypoint = [ep];
  else if (p.changed('entrypoint')) entrypoint = [];

  const binds: string[] = [];
  const volumes: Record<string, Record<string, never>> = {};
  for (const v of p.list('volume')) {
    if (v === '') throw new UsageError('invalid empty volume spec');
    if (v.includes(':')) binds.push(v);
    else volumes[v] = {};
  }

  const restart = parseRestartPolicy(p.string('restart') ?? '');
  const autoRemove = p.bool('rm');
  if (autoRemove && restart.Name !== 'no' && restart.Name !== '') {
    throw new UsageError('conflicting options: cannot specify both --restart and --rm');
  }

  const net = networkFields(p);
  const body: ContainerCreateRequest = {
    Hostname: p.string('hostname') ?? '',
    Domainname: '',
    User: p.string('user') ?? '',
    AttachStdin: attachStdin,
    AttachStdout: attachStdout,
    AttachStderr: attachStderr,
    Tty: p.bool('tty'),
    OpenStdin: interactive,
    StdinOnce: interactive && attachStdin,
    Env: env.length === 0 ? null : env,
    Cmd: target.command.length === 0 ? null : [...target.command],
    Image: target.image,
    ExposedPorts: net.ExposedPorts,
    Volumes: volumes,
    WorkingDir: p.string('workdir') ?? '',
    Entrypoint: entrypoint,
    Labels: labels,
    ...processConfig(p),
    HostConfig: {
      ...processHostConfig(p),
      Binds: binds.length === 0 ? null : binds,
      ...net.HostConfig,
      RestartPolicy: restart,
      AutoRemove: autoRemove,
      ...(p.bool('init') ? { Init: true } : {}),
      ...(p.list('ulimit').length > 0 ? { Ulimits: p.list('ulimit').map(parseUlimit) } : {}),
      ...(p.list('cap-add').length > 0 ? { CapAdd: p.list('cap-add') } : {}),
      ...(p.list('cap-drop').length > 0 ? { CapDrop: p.list('cap-drop') } : {}),
      ...(p.bool('privileged') ? { Privileged: true } : {}),
      ...mountFields(p),
      ...(p.list('security-opt').length > 0
        ? { SecurityOpt: p.list('security-opt').map((o) => readSecurityOpt(o, host)) }
        : {}),
    },
    NetworkingConfig: net.NetworkingConfig,
  };
  const name = p.string('name');
  return { body, name: name === '' ? undefined : name };
}

/** The HostConfig fields of `--mount`, `--tmpfs`, `--read-only`, `--volumes-from`, `--device*`, `--storage-opt`. */
function mountFields(p: ParsedArgs): HostConfig {
  const out: HostConfig = {};
  if (p.list('mount').length > 0) out.Mounts = p.list('mount').map(parseMountFlag);
  if (p.list('tmpfs').length > 0) out.Tmpfs = parseTmpfsFlags(p.list('tmpfs'));
  if (p.bool('read-only')) out.ReadonlyRootfs = true;
  if (p.list('volumes-from').length > 0) out.VolumesFrom = p.list('volumes-from');
  if (p.list('device').length > 0) out.Devices = p.list('device').map(parseDeviceFlag);
  if (p.list('device-cgroup-rule').length > 0) out.DeviceCgroupRules = p.list('device-cgroup-rule');
  if (p.list('storage-opt').length > 0) out.StorageOpt = parseStorageOpts(p.list('storage-opt'));
  return out;
}

/** Docker's `-e` rule: `K=V` as is; `K` takes the value from the environment when set, else stays `K`. */
export function validateEnv(value: string, host: HostAccess): string {
  const eq = value.indexOf('=');
  const key = eq === -1 ? value : value.slice(0, eq);
  if (key === '')
    throw new UsageError(`invalid argument "${value}" for "-e, --env" flag: invalid environment variable: ${value}`);
  if (eq !== -1) return value;
  const v = host.env(key);
  return v === undefined ? value : `${key}=${v}`;
}

/**
 * Reads `--env-file`/`--label-file` files: one `KEY=VALUE` a line, leading
 * white space dropped, `#` comments and blank lines skipped; a bare `KEY`
 * takes its value from the environment (env files only) and is dropped when unset.
 */
export function readKeyValueFiles(files: readonly string[], host: HostAccess, kind: 'env' | 'label'): string[] {
  const out: string[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = host.readFile(file);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new UsageError(`open ${file}: ${reason.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '')}`);
    }
    text.split(/\r?\n/).forEach((raw, i) => {
      const line = raw.replace(/^[\s\uFEFF]+/, '');
      if (line === '' || line.startsWith('#')) return;
      const eq = line.indexOf('=');
      const key = eq === -1 ? line : line.slice(0, eq);
      if (key === '') throw new UsageError(`no variable name on line '${line}'`);
      if (/\s/.test(key)) throw new UsageError(`variable '${key}' contains whitespaces (${file}:${i + 1})`);
      if (eq !== -1) {
        out.push(line);
      } else if (kind === 'env') {
        const v = host.env(key);
        if (v !== undefined) out.push(`${key}=${v}`);
      } else {
        out.push(key);
      }
    });
  }
  return out;
}

/** `no`, `always`, `unless-stopped`, `on-failure[:max-retries]`; the daemon checks the name. */
export function parseRestartPolicy(policy: string): RestartPolicy {
  if (policy === '') return { Name: 'no', MaximumRetryCount: 0 };
  const colon = policy.indexOf(':');
  const name = colon === -1 ? policy : policy.slice(0, colon);
  const count = colon === -1 ? '' : policy.slice(colon + 1);
  if (colon !== -1 && name === '')
    throw new UsageError('invalid restart policy format: no policy provided before colon');
  let max = 0;
  if (count !== '') {
    if (!/^[+-]?\d+$/.test(count)) {
      throw new UsageError('invalid restart policy format: maximum retry count must be an integer');
    }
    max = Number(count);
  }
  return { Name: name as RestartPolicy['Name'], MaximumRetryCount: max };
}

/** The flags of `exec`. */
export const EXEC_FLAGS: FlagSpec[] = [
  { long: 'detach', short: 'd', type: 'bool', description: 'Detached mode: run command in the background' },
  { long: 'detach-keys', type: 'string', description: 'Override the key sequence for detaching a container' },
  { long: 'env', short: 'e', type: 'list', description: 'Set environment variables' },
  { long: 'env-file', type: 'list', description: 'Read in a file of environment variables' },
  { long: 'interactive', short: 'i', type: 'bool', description: 'Keep STDIN open even if not attached' },
  { long: 'privileged', type: 'bool', description: 'Give extended privileges to the command' },
  { long: 'tty', short: 't', type: 'bool', description: 'Allocate a pseudo-TTY' },
  { long: 'user', short: 'u', type: 'string', description: 'Username or UID (format: "<name|uid>[:<group|gid>]")' },
  { long: 'workdir', short: 'w', type: 'string', description: 'Working directory inside the container' },
];

/** The ExecCreate body of `berth exec`, as the docker CLI builds it. */
export function buildExecRequest(p: ParsedArgs, command: string[], host: HostAccess): ExecCreateRequest {
  const detach = p.bool('detach');
  const env = [
    ...readKeyValueFiles(p.list('env-file'), host, 'env'),
    ...p.list('env').map((e) => validateEnv(e, host)),
  ];
  return {
    User: p.string('user') ?? '',
    Privileged: p.bool('privileged'),
    Tty: p.bool('tty'),
    AttachStdin: !detach && p.bool('interactive'),
    AttachStderr: !detach,
    AttachStdout: !detach,
    DetachKeys: p.string('detach-keys') ?? '',
    Env: env.length === 0 ? null : env,
    WorkingDir: p.string('workdir') ?? '',
    Cmd: command,
  };
}

/** `--ulimit name=soft[:hard]` as the docker CLI parses it (hard defaults to soft). */
export function parseUlimit(v: string): { Name: string; Soft: number; Hard: number } {
  const m = /^([a-z]+)=(-?\d+)(?::(-?\d+))?$/.exec(v);
  if (!m) throw new UsageError(`invalid argument "${v}" for "--ulimit" flag: invalid ulimit argument: ${v}`);
  const soft = Number(m[2]);
  return { Name: m[1] ?? '', Soft: soft, Hard: m[3] === undefined ? soft : Number(m[3]) };
}

/** `--security-opt seccomp=<file>` sends the profile's JSON, as the docker CLI does; other options as given. */
function readSecurityOpt(opt: string, host: HostAccess): string {
  const m = /^seccomp[=:](.+)$/.exec(opt);
  if (!m || m[1] === 'unconfined') return opt;
  try {
    return `seccomp=${host.readFile(m[1] ?? '')}`;
  } catch (err) {
    throw new UsageError(
      `invalid argument "${opt}" for "--security-opt" flag: opening seccomp profile (${m[1]}) failed: ${(err as Error).message}`,
    );
  }
}
