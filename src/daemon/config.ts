/**
 * berthd's configuration: command-line flags over a daemon.json file (Docker's
 * key names) over defaults. Parsing is pure apart from reading the file.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { invalidArgument } from '../lib/errors.ts';
import { isLogLevel, LOG_LEVELS, type LogLevel } from '../lib/log.ts';

/**
 * The daemon's settled configuration, as wire() and the server receive it.
 * `hosts` are unix socket paths (the `unix://` scheme stripped), at least one.
 */
export interface DaemonConfig {
  /** Unix socket paths the API listens on. */
  hosts: string[];
  /** Persistent state: database, content, layers, containers (Docker's data-root). */
  dataRoot: string;
  /** Runtime state lost at reboot: pid and exit files, attach sockets (Docker's exec-root). */
  execRoot: string;
  /** The daemon.json that was read, or would have been (it may not exist when it is the default). */
  configFile: string;
  debug: boolean;
  logLevel: LogLevel;
  /** OCI runtime to run containers with: a name on PATH (crun, runc) or a path. */
  runtime: string;
  /** Networking: the default bridge, its address, pools for new networks, and the host-object prefix. */
  network: NetworkConfig;
  /** daemon.json `default-ulimits`: every container's limits unless it sets its own of that name. */
  defaultUlimits: { Name: string; Soft: number; Hard: number }[];
}

/** Daemon-wide network settings (Docker's `bridge`, `bip`, `default-address-pools`, and berth's `net-prefix`). */
export interface NetworkConfig {
  /** Linux name of the default bridge. */
  bridge: string;
  /** The default bridge's gateway address and prefix (`172.17.0.1/16`); unset: the first free pool subnet. */
  bip?: string;
  /** Pools user networks' subnets are carved from; unset: Docker's defaults. */
  pools?: { base: string; size: number }[];
  /** Prefix of the nft table, user bridges and veths this daemon owns (1-8 of [a-z0-9]). */
  prefix: string;
}

export const DEFAULT_HOST = 'unix:///run/berth/berth.sock';
export const DEFAULTS = {
  dataRoot: '/var/lib/berth',
  execRoot: '/run/berth',
  configFile: '/etc/berth/daemon.json',
  runtime: 'crun',
  logLevel: 'info' as LogLevel,
  bridge: 'berth0',
  netPrefix: 'berth',
};

/** Flags as given on the command line; absent ones are undefined. */
export interface DaemonFlags {
  hosts?: string[];
  dataRoot?: string;
  execRoot?: string;
  configFile?: string;
  debug?: boolean;
  logLevel?: string;
  runtime?: string;
  bridge?: string;
  bip?: string;
  pools?: { base: string; size: number }[];
  netPrefix?: string;
}

export type ParsedArgs = { kind: 'help' } | { kind: 'version' } | { kind: 'run'; flags: DaemonFlags };

export const USAGE = `Usage:	berthd [OPTIONS]

A container engine serving the Docker Engine API

Options:
      --config-file string   Daemon configuration file (default "${DEFAULTS.configFile}")
      --data-root string     Root directory of persistent state (default "${DEFAULTS.dataRoot}")
  -D, --debug                Enable debug mode
      --exec-root string     Root directory for execution state files (default "${DEFAULTS.execRoot}")
  -h, --help                 Print usage
  -H, --host list            Daemon socket(s) to listen on: unix:///path or /path (default "${DEFAULT_HOST}")
  -l, --log-level string     Set the logging level ("${LOG_LEVELS.join('"|"')}") (default "info")
      --runtime string       OCI runtime for containers: crun or runc, or a path (default "${DEFAULTS.runtime}")
  -v, --version              Print version information and quit
  -b, --bridge string        Linux name of the default bridge (default "${DEFAULTS.bridge}")
      --bip string           The default bridge's address and prefix, e.g. 172.17.0.1/16
      --default-address-pool base=CIDR,size=N
                             Where user networks' subnets come from (repeatable)
      --net-prefix string    berth: prefix of the nft table, bridges and veths of this daemon (default "${DEFAULTS.netPrefix}")
`;

/** Parses berthd's argv (without node and script). Throws 'invalid-argument' for bad flags. */
export function parseDaemonArgs(argv: string[]): ParsedArgs {
  let values: Record<string, string | boolean | string[] | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        host: { type: 'string', short: 'H', multiple: true },
        'data-root': { type: 'string' },
        'exec-root': { type: 'string' },
        'config-file': { type: 'string' },
        debug: { type: 'boolean', short: 'D' },
        'log-level': { type: 'string', short: 'l' },
        runtime: { type: 'string' },
        'default-runtime': { type: 'string' },
        bridge: { type: 'string', short: 'b' },
        bip: { type: 'string' },
        'default-address-pool': { type: 'string', multiple: true },
        'net-prefix': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    }));
  } catch (err) {
    const unknown = /^Unknown option '([^']+)'/.exec((err as Error).message);
    const message = unknown ? `unknown flag: ${unknown[1]}` : (err as Error).message;
    throw invalidArgument(message, { hint: "See 'berthd --help'." });
  }
  if (positionals.length > 0) {
    throw invalidArgument(`berthd takes no arguments (got "${positionals.join(' ')}")`, {
      hint: "See 'berthd --help'.",
    });
  }
  if (values.help) return { kind: 'help' };
  if (values.version) return { kind: 'version' };
  const flags: DaemonFlags = {};
  const str = (k: string): string | undefined => (typeof values[k] === 'string' ? (values[k] as string) : undefined);
  if (Array.isArray(values.host)) flags.hosts = values.host;
  const dataRoot = str('data-root');
  if (dataRoot !== undefined) flags.dataRoot = dataRoot;
  const execRoot = str('exec-root');
  if (execRoot !== undefined) flags.execRoot = execRoot;
  const configFile = str('config-file');
  if (configFile !== undefined) flags.configFile = configFile;
  if (values.debug === true) flags.debug = true;
  const logLevel = str('log-level');
  if (logLevel !== undefined) flags.logLevel = logLevel;
  const runtime = str('runtime') ?? str('default-runtime');
  if (runtime !== undefined) flags.runtime = runtime;
  const bridge = str('bridge');
  if (bridge !== undefined) flags.bridge = bridge;
  const bip = str('bip');
  if (bip !== undefined) flags.bip = bip;
  const netPrefix = str('net-prefix');
  if (netPrefix !== undefined) flags.netPrefix = netPrefix;
  if (Array.isArray(values['default-address-pool'])) {
    flags.pools = (values['default-address-pool'] as string[]).map(parsePoolFlag);
  }
  return { kind: 'run', flags };
}

/** `base=10.10.0.0/16,size=24` */
function parsePoolFlag(v: string): { base: string; size: number } {
  const kv = Object.fromEntries(v.split(',').map((p) => p.split('=') as [string, string]));
  const size = Number(kv.size);
  if (!kv.base || !Number.isInteger(size)) {
    throw invalidArgument(`invalid --default-address-pool "${v}": want base=CIDR,size=N`);
  }
  return { base: kv.base, size };
}

/** daemon.json keys berthd understands (Docker's names). */
const fileKeys = [
  'hosts',
  'data-root',
  'exec-root',
  'debug',
  'log-level',
  'default-runtime',
  'bridge',
  'bip',
  'default-address-pools',
  'net-prefix',
  'default-ulimits',
] as const;

/** The config file's settings, checked. */
export interface DaemonFileConfig {
  hosts?: string[];
  dataRoot?: string;
  execRoot?: string;
  debug?: boolean;
  logLevel?: string;
  runtime?: string;
  bridge?: string;
  bip?: string;
  pools?: { base: string; size: number }[];
  netPrefix?: string;
  defaultUlimits?: { Name: string; Soft: number; Hard: number }[];
}

/** Parses and checks daemon.json text; unknown keys are refused, as Docker refuses them. */
export function parseConfigFile(text: string, file: string): DaemonFileConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw invalidArgument(`unable to configure the daemon with file ${file}: ${(err as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw invalidArgument(`unable to configure the daemon with file ${file}: expected a JSON object`);
  }
  const obj = raw as Record<string, unknown>;
  const unknown = Object.keys(obj).filter((k) => !(fileKeys as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw invalidArgument(
      `unable to configure the daemon with file ${file}: the following directives don't match any configuration option: ${unknown.join(', ')}`,
    );
  }
  const bad = (key: string, want: string): never => {
    throw invalidArgument(`unable to configure the daemon with file ${file}: "${key}" must be ${want}`);
  };
  const out: DaemonFileConfig = {};
  const strOf = (key: string): string | undefined => {
    const v = obj[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v === '') return bad(key, 'a non-empty string');
    return v;
  };
  if (obj.hosts !== undefined) {
    if (!Array.isArray(obj.hosts) || !obj.hosts.every((h) => typeof h === 'string')) {
      bad('hosts', 'an array of strings');
    }
    out.hosts = [...(obj.hosts as string[])];
  }
  const dataRoot = strOf('data-root');
  if (dataRoot !== undefined) out.dataRoot = dataRoot;
  const execRoot = strOf('exec-root');
  if (execRoot !== undefined) out.execRoot = execRoot;
  if (obj.debug !== undefined) {
    if (typeof obj.debug !== 'boolean') bad('debug', 'a boolean');
    out.debug = obj.debug as boolean;
  }
  const logLevel = strOf('log-level');
  if (logLevel !== undefined) out.logLevel = logLevel;
  const runtime = strOf('default-runtime');
  if (runtime !== undefined) out.runtime = runtime;
  const bridge = strOf('bridge');
  if (bridge !== undefined) out.bridge = bridge;
  const bip = strOf('bip');
  if (bip !== undefined) out.bip = bip;
  const netPrefix = strOf('net-prefix');
  if (netPrefix !== undefined) out.netPrefix = netPrefix;
  if (obj['default-address-pools'] !== undefined) {
    const pools = obj['default-address-pools'];
    if (
      !Array.isArray(pools) ||
      !pools.every(
        (p) =>
          typeof p === 'object' &&
          p !== null &&
          typeof (p as { base?: unknown }).base === 'string' &&
          Number.isInteger((p as { size?: unknown }).size),
      )
    ) {
      bad('default-address-pools', 'an array of {"base": "CIDR", "size": N}');
    }
    out.pools = (pools as { base: string; size: number }[]).map((p) => ({ base: p.base, size: p.size }));
  }
  if (obj['default-ulimits'] !== undefined) out.defaultUlimits = parseDefaultUlimits(obj['default-ulimits'], bad);
  return out;
}

/** `"default-ulimits": {"nofile": {"Name": "nofile", "Soft": 1024, "Hard": 2048}}`, as Docker's daemon.json has it. */
function parseDefaultUlimits(
  v: unknown,
  bad: (key: string, want: string) => never,
): { Name: string; Soft: number; Hard: number }[] {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return bad('default-ulimits', 'an object');
  return Object.entries(v as Record<string, unknown>).map(([name, u]) => {
    const e = (u ?? {}) as Record<string, unknown>;
    const soft = e.Soft;
    const hard = e.Hard;
    if (!Number.isInteger(soft) || !Number.isInteger(hard)) {
      return bad(`default-ulimits.${name}`, 'an object with integer Soft and Hard');
    }
    return {
      Name: typeof e.Name === 'string' && e.Name !== '' ? e.Name : name,
      Soft: soft as number,
      Hard: hard as number,
    };
  });
}

/**
 * Turns a `-H` value into a socket path: `unix:///p` or `/p`. Other schemes
 * (tcp://, fd://) are refused: TCP is to come with mutual TLS.
 */
export function parseHost(host: string): string {
  const h = host.trim();
  if (h.startsWith('unix://')) {
    const path = h.slice('unix://'.length);
    if (!path.startsWith('/'))
      throw invalidArgument(`invalid host ${JSON.stringify(host)}: the socket path must be absolute`);
    return path;
  }
  if (h.startsWith('/')) return h;
  if (/^[a-z]+:\/\//.test(h)) {
    throw invalidArgument(
      `unsupported host ${JSON.stringify(host)}: berthd listens on unix sockets only (unix:///path)`,
    );
  }
  throw invalidArgument(`invalid host ${JSON.stringify(host)}: expected unix:///path or /path`);
}

export interface LoadConfigOptions {
  /** Reads the config file; default node:fs. Returns undefined when the file does not exist. */
  readConfigFile?: (path: string) => Promise<string | undefined>;
}

/**
 * Settles the configuration: flags override the file, the file overrides the
 * defaults. A missing file means no settings (tests point --config-file at a
 * path that does not exist to keep /etc/berth/daemon.json out).
 */
export async function loadDaemonConfig(flags: DaemonFlags, opts: LoadConfigOptions = {}): Promise<DaemonConfig> {
  const read = opts.readConfigFile ?? readIfExists;
  const configFile = flags.configFile ?? DEFAULTS.configFile;
  const text = await read(configFile);
  const file = text === undefined ? {} : parseConfigFile(text, configFile);

  const hosts = (flags.hosts ?? file.hosts ?? [DEFAULT_HOST]).map(parseHost);
  if (hosts.length === 0) hosts.push(parseHost(DEFAULT_HOST));
  const debug = flags.debug ?? file.debug ?? false;
  const level = flags.logLevel ?? file.logLevel ?? (debug ? 'debug' : DEFAULTS.logLevel);
  if (!isLogLevel(level)) {
    throw invalidArgument(`unable to parse logging level: ${level}`, { hint: `use one of ${LOG_LEVELS.join(', ')}` });
  }
  return {
    hosts: [...new Set(hosts)],
    dataRoot: resolve(flags.dataRoot ?? file.dataRoot ?? DEFAULTS.dataRoot),
    execRoot: resolve(flags.execRoot ?? file.execRoot ?? DEFAULTS.execRoot),
    configFile,
    debug,
    logLevel: debug ? 'debug' : level,
    runtime: flags.runtime ?? file.runtime ?? DEFAULTS.runtime,
    network: {
      bridge: flags.bridge ?? file.bridge ?? DEFAULTS.bridge,
      prefix: flags.netPrefix ?? file.netPrefix ?? DEFAULTS.netPrefix,
      ...((flags.bip ?? file.bip) ? { bip: flags.bip ?? file.bip } : {}),
      ...((flags.pools ?? file.pools) ? { pools: flags.pools ?? file.pools } : {}),
    },
    defaultUlimits: file.defaultUlimits ?? [],
  };
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw invalidArgument(`unable to read the daemon configuration file ${path}: ${(err as Error).message}`);
  }
}
