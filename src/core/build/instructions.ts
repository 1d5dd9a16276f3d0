/**
 * The Dockerfile parser, second half: raw logical lines → typed instructions,
 * each checked for its arguments and flags with Docker's messages. Values are
 * kept as written (quotes and `$` references included); substitution happens
 * when a stage is built, since it depends on the ARG and ENV in scope. Pure.
 */
import { DockerfileError, type Heredoc, parseDockerfile, type RawInstruction } from './parser.ts';

type DfError = DockerfileError;

/** A command in JSON (exec) form, or shell form (`shell: true`, one string). */
export interface CommandLine {
  shell: boolean;
  /** Exec form: the argv. Shell form: one element, the command text. */
  args: string[];
}

/** `RUN --mount=...` */
export interface RunMount {
  type: 'bind' | 'cache' | 'tmpfs' | 'secret' | 'ssh';
  target: string;
  source?: string;
  from?: string;
  id?: string;
  readonly: boolean;
  sharing?: 'shared' | 'private' | 'locked';
  mode?: number;
  uid?: number;
  gid?: number;
  size?: number;
  required?: boolean;
}

export interface HealthcheckSpec {
  /** `["NONE"]` for HEALTHCHECK NONE, else `["CMD", ...]` or `["CMD-SHELL", cmd]`. */
  test: string[];
  /** Nanoseconds, 0 = inherit the default. */
  interval: number;
  timeout: number;
  startPeriod: number;
  startInterval: number;
  retries: number;
}

interface Base {
  line: number;
  /** The logical line as written. */
  original: string;
}

export type Instruction = Base &
  (
    | { kind: 'FROM'; image: string; stageName?: string; platform?: string }
    | {
        kind: 'RUN';
        command: CommandLine;
        mounts: RunMount[];
        network?: string;
        security?: string;
        heredocs: Heredoc[];
      }
    | { kind: 'CMD' | 'ENTRYPOINT'; command: CommandLine }
    | { kind: 'SHELL'; shell: string[] }
    | { kind: 'ENV' | 'LABEL'; pairs: [string, string][] }
    | { kind: 'ARG'; args: { name: string; value?: string }[] }
    | { kind: 'EXPOSE'; ports: string[] }
    | { kind: 'VOLUME'; paths: string[] }
    | { kind: 'USER' | 'WORKDIR' | 'STOPSIGNAL' | 'MAINTAINER'; value: string }
    | { kind: 'HEALTHCHECK'; health: HealthcheckSpec }
    | { kind: 'ONBUILD'; trigger: string; parsed: Instruction }
    | {
        kind: 'COPY' | 'ADD';
        sources: string[];
        dest: string;
        from?: string;
        chown?: string;
        chmod?: string;
        link: boolean;
        checksum?: string;
        keepGitDir: boolean;
        parents: boolean;
        exclude: string[];
        heredocs: Heredoc[];
      }
  );

export type InstructionKind = Instruction['kind'];

export const KEYWORDS: readonly string[] = [
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
];

type FlagKind = 'string' | 'bool' | 'multi';
const FLAGS: Record<string, Record<string, FlagKind>> = {
  FROM: { platform: 'string' },
  RUN: { mount: 'multi', network: 'string', security: 'string' },
  COPY: { from: 'string', chown: 'string', chmod: 'string', link: 'bool', parents: 'bool', exclude: 'multi' },
  ADD: {
    chown: 'string',
    chmod: 'string',
    link: 'bool',
    checksum: 'string',
    'keep-git-dir': 'bool',
    exclude: 'multi',
  },
  HEALTHCHECK: {
    interval: 'string',
    timeout: 'string',
    'start-period': 'string',
    'start-interval': 'string',
    retries: 'string',
  },
};

interface Flags {
  str: Map<string, string>;
  bool: Map<string, boolean>;
  multi: Map<string, string[]>;
}

function unquote(v: string): string {
  if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0]) return v.slice(1, -1);
  return v;
}

function parseFlags(raw: RawInstruction, fail: (msg: string) => DfError): Flags {
  const allowed = FLAGS[raw.keyword] ?? {};
  const out: Flags = { str: new Map(), bool: new Map(), multi: new Map() };
  for (const f of raw.flags) {
    const body = f.slice(2);
    const eq = body.indexOf('=');
    const name = eq < 0 ? body : body.slice(0, eq);
    const value = eq < 0 ? undefined : unquote(body.slice(eq + 1));
    const kind = allowed[name];
    if (kind === undefined) {
      const known = Object.keys(allowed);
      throw fail(
        `unknown flag: --${name}${known.length ? ` (${raw.keyword} takes ${known.map((k) => `--${k}`).join(', ')})` : ` (${raw.keyword} takes no flags)`}`,
      );
    }
    if (kind === 'bool') {
      if (value !== undefined && value !== 'true' && value !== 'false') {
        throw fail(`expecting boolean value for flag --${name}, not: ${value}`);
      }
      out.bool.set(name, value !== 'false');
      continue;
    }
    if (value === undefined) throw fail(`missing a value on flag: --${name}`);
    if (kind === 'multi') out.multi.set(name, [...(out.multi.get(name) ?? []), value]);
    else {
      if (out.str.has(name)) throw fail(`duplicate flag specified: --${name}`);
      out.str.set(name, value);
    }
  }
  return out;
}

/** `[...]` JSON form if it parses as an array of strings; shell form otherwise. */
function maybeJson(rest: string, fail: (msg: string) => DfError): CommandLine {
  if (rest.startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(rest);
    } catch {
      parsed = undefined;
    }
    if (Array.isArray(parsed)) {
      if (!parsed.every((s) => typeof s === 'string')) {
        throw fail('when using JSON array syntax, arrays must be comprised of strings only');
      }
      return { shell: false, args: parsed as string[] };
    }
  }
  return { shell: true, args: [rest] };
}

/** Splits at unquoted whitespace, keeping quotes and escapes (BuildKit's parseWords). */
export function splitWords(rest: string, escChar: string): string[] {
  const words: string[] = [];
  let word = '';
  let quote = '';
  let inWord = false;
  for (let i = 0; i < rest.length; i++) {
    const c = rest[i]!;
    if (!quote && /\s/.test(c)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      continue;
    }
    inWord = true;
    if (c === escChar && i + 1 < rest.length && quote !== "'") {
      word += c + rest[++i]!;
      continue;
    }
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    word += c;
  }
  if (inWord) words.push(word);
  return words;
}

/** ENV/LABEL pairs: `k=v k2="v 2"` or the legacy `k value with spaces`. */
function nameValues(
  raw: RawInstruction,
  escChar: string,
  fail: (msg: string) => DfError,
  legacyOk: boolean,
): [string, string][] {
  const words = splitWords(raw.rest, escChar);
  if (words.length === 0) throw fail(`${raw.keyword} requires at least one argument`);
  if (!words[0]!.includes('=')) {
    if (!legacyOk) throw fail(`${raw.keyword} names can not be blank`);
    const m = /^(\S+)\s+([\s\S]*)$/.exec(raw.rest);
    if (!m) throw fail(`${raw.keyword} must have two arguments`);
    return [[m[1]!, m[2]!.trim()]];
  }
  return words.map((w) => {
    const eq = w.indexOf('=');
    if (eq < 0) throw fail(`Syntax error - can't find = in "${w}". Must be of the form: name=value`);
    if (eq === 0) throw fail(`${raw.keyword} names can not be blank`);
    return [w.slice(0, eq), w.slice(eq + 1)];
  });
}

/** A Go duration (`30s`, `1m30s`, `500ms`) in nanoseconds. */
export function parseDuration(s: string): number | undefined {
  if (s === '0') return 0;
  const units: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let pos = 0;
  if (s === '') return undefined;
  while (pos < s.length) {
    re.lastIndex = pos;
    const m = re.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * units[m[2]!]!;
    pos = re.lastIndex;
  }
  return Math.round(total);
}

const MOUNT_TYPES = new Set(['bind', 'cache', 'tmpfs', 'secret', 'ssh']);

/** Parses one `--mount=` value (its `$` references already expanded). */
export function parseRunMount(spec: string): RunMount {
  const m: RunMount = { type: 'bind', target: '', readonly: true };
  let readonlySet = false;
  for (const part of spec.split(',')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = (eq < 0 ? part : part.slice(0, eq)).toLowerCase();
    const value = eq < 0 ? undefined : part.slice(eq + 1);
    const bool = value === undefined || value === 'true' || value === '1';
    switch (key) {
      case 'type':
        if (!value || !MOUNT_TYPES.has(value)) throw new Error(`unsupported mount type "${value}"`);
        m.type = value as RunMount['type'];
        break;
      case 'target':
      case 'dst':
      case 'destination':
        m.target = value ?? '';
        break;
      case 'source':
      case 'src':
        m.source = value ?? '';
        break;
      case 'from':
        m.from = value ?? '';
        break;
      case 'id':
        m.id = value ?? '';
        break;
      case 'readonly':
      case 'ro':
        m.readonly = bool;
        readonlySet = true;
        break;
      case 'readwrite':
      case 'rw':
        m.readonly = !bool;
        readonlySet = true;
        break;
      case 'required':
        m.required = bool;
        break;
      case 'sharing':
        if (value !== 'shared' && value !== 'private' && value !== 'locked') {
          throw new Error(`unsupported sharing value "${value}" (shared, private or locked)`);
        }
        m.sharing = value;
        break;
      case 'mode':
        m.mode = Number.parseInt(value ?? '', 8);
        if (Number.isNaN(m.mode)) throw new Error(`invalid mode "${value}": expected an octal number`);
        break;
      case 'uid':
      case 'gid':
      case 'size': {
        const n = key === 'size' ? parseSize(value ?? '') : Number(value);
        if (n === undefined || !Number.isInteger(n) || n < 0) throw new Error(`invalid ${key} "${value}"`);
        m[key] = n;
        break;
      }
      default:
        throw new Error(`unexpected key '${key}' in '${part}'`);
    }
  }
  if (!readonlySet) m.readonly = m.type === 'bind';
  if (m.type === 'secret' && m.target === '' && m.id) m.target = `/run/secrets/${m.id}`;
  if (m.target === '' && m.type !== 'ssh') throw new Error('mount target must be set (target=/path)');
  return m;
}

function parseSize(v: string): number | undefined {
  const m = /^(\d+)([kmg]?)b?$/i.exec(v);
  if (!m) return undefined;
  const mult = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2]!.toLowerCase()] ?? 1;
  return Number(m[1]) * mult;
}

const STAGE_NAME = /^[a-z][a-z0-9-_.]*$/;

/** Turns one raw line into a typed instruction; throws DockerfileError with the line. */
export function toInstruction(raw: RawInstruction, escChar: string, file: string): Instruction {
  const fail = (msg: string) => new DockerfileError(file, raw.line, msg);
  const base: Base = { line: raw.line, original: raw.original };
  if (!KEYWORDS.includes(raw.keyword)) {
    throw fail(`unknown instruction: ${raw.keyword} (expected one of ${KEYWORDS.join(', ')})`);
  }
  const flags = parseFlags(raw, fail);
  const rest = raw.rest;
  const need = (what: string) => {
    if (rest === '') throw fail(`${raw.keyword} requires ${what}`);
  };
  switch (raw.keyword) {
    case 'FROM': {
      const w = rest.split(/\s+/).filter((x) => x !== '');
      if (w.length !== 1 && !(w.length === 3 && w[1]!.toLowerCase() === 'as')) {
        throw fail('FROM requires either one or three arguments: FROM <image> [AS <name>]');
      }
      const out: Instruction = { ...base, kind: 'FROM', image: w[0]! };
      if (w.length === 3) {
        const name = w[2]!.toLowerCase();
        if (!STAGE_NAME.test(name)) {
          throw fail(`invalid name for build stage: "${w[2]}", name can't start with a number or contain symbols`);
        }
        out.stageName = name;
      }
      const platform = flags.str.get('platform');
      if (platform !== undefined) out.platform = platform;
      return out;
    }
    case 'RUN': {
      need('at least one argument');
      const command = maybeJson(rest, fail);
      const mounts: RunMount[] = [];
      for (const spec of flags.multi.get('mount') ?? []) {
        // `$` references are expanded at build time; syntax is checked now with them in place.
        try {
          mounts.push(parseRunMount(spec));
        } catch (err) {
          throw fail(`--mount=${spec}: ${(err as Error).message}`);
        }
      }
      const network = flags.str.get('network');
      if (network !== undefined && !['none', 'host', 'default'].includes(network)) {
        throw fail(`unsupported network mode "${network}" (expected none, host or default)`);
      }
      const security = flags.str.get('security');
      if (security !== undefined && !['sandbox', 'insecure'].includes(security)) {
        throw fail(`unsupported security mode "${security}" (expected sandbox or insecure)`);
      }
      if (raw.heredocs.length > 0 && !command.shell) {
        throw fail('a heredoc can only be used with the shell form of RUN');
      }
      const out: Instruction = { ...base, kind: 'RUN', command, mounts, heredocs: raw.heredocs };
      if (network !== undefined) out.network = network;
      if (security !== undefined) out.security = security;
      return out;
    }
    case 'CMD':
    case 'ENTRYPOINT':
      return { ...base, kind: raw.keyword, command: rest === '' ? { shell: false, args: [] } : maybeJson(rest, fail) };
    case 'SHELL': {
      const c = maybeJson(rest, fail);
      if (c.shell || c.args.length === 0)
        throw fail('SHELL requires the arguments to be in JSON form: SHELL ["executable", "parameters"]');
      return { ...base, kind: 'SHELL', shell: c.args };
    }
    case 'ENV':
    case 'LABEL':
      return { ...base, kind: raw.keyword, pairs: nameValues(raw, escChar, fail, true) };
    case 'ARG': {
      const words = splitWords(rest, escChar);
      if (words.length === 0) throw fail('ARG requires at least one argument: ARG <name>[=<default value>]');
      return {
        ...base,
        kind: 'ARG',
        args: words.map((w) => {
          const eq = w.indexOf('=');
          const name = eq < 0 ? w : w.slice(0, eq);
          if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !/^[^\s=$]+$/.test(name))
            throw fail(`invalid ARG name "${name}"`);
          if (name === '') throw fail('ARG names can not be blank');
          return eq < 0 ? { name } : { name, value: w.slice(eq + 1) };
        }),
      };
    }
    case 'EXPOSE':
    case 'VOLUME': {
      need('at least one argument');
      let items: string[];
      if (raw.keyword === 'VOLUME' && rest.startsWith('[')) {
        const c = maybeJson(rest, fail);
        items = c.shell ? rest.split(/\s+/) : c.args;
      } else items = rest.split(/\s+/).filter((x) => x !== '');
      if (raw.keyword === 'VOLUME') {
        if (items.some((p) => p.trim() === '')) throw fail('VOLUME specified can not be an empty string');
        return { ...base, kind: 'VOLUME', paths: items };
      }
      return { ...base, kind: 'EXPOSE', ports: items };
    }
    case 'USER':
    case 'WORKDIR':
    case 'STOPSIGNAL':
    case 'MAINTAINER':
      if (rest === '') throw fail(`${raw.keyword} requires exactly one argument`);
      if (raw.keyword === 'STOPSIGNAL' && /\s/.test(rest)) throw fail('STOPSIGNAL requires exactly one argument');
      return { ...base, kind: raw.keyword, value: rest };
    case 'HEALTHCHECK':
      return { ...base, kind: 'HEALTHCHECK', health: healthcheck(rest, flags, fail) };
    case 'ONBUILD': {
      need('at least one argument');
      const m = /^(\S+)/.exec(rest)!;
      const trigger = m[1]!.toUpperCase();
      if (trigger === 'ONBUILD') throw fail("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
      if (trigger === 'FROM' || trigger === 'MAINTAINER') throw fail(`${trigger} isn't allowed as an ONBUILD trigger`);
      const inner = parseDockerfile(`# escape=${escChar}\n${rest}`, file).instructions[0]!;
      const parsed = toInstruction({ ...inner, line: raw.line, heredocs: raw.heredocs }, escChar, file);
      return { ...base, kind: 'ONBUILD', trigger: rest, parsed };
    }
    case 'COPY':
    case 'ADD': {
      let args: string[];
      const c = rest.startsWith('[') ? maybeJson(rest, fail) : undefined;
      if (c && !c.shell) args = c.args;
      else args = rest.split(/\s+/).filter((x) => x !== '');
      const docNames = new Set(raw.heredocs.map((h) => h.name));
      const isDoc = (a: string) => {
        const m = /^\d*<<-?(.*)$/.exec(a);
        return m !== null && docNames.has(unquote(m[1]!));
      };
      const heredocCount = args.filter(isDoc).length;
      if (args.length < 2) {
        if (args.length === 1 && heredocCount === 0) {
          throw fail(
            `${raw.keyword} requires at least two arguments, but only one was provided. Destination could not be determined.`,
          );
        }
        if (args.length === 0)
          throw fail(`${raw.keyword} requires at least two arguments: ${raw.keyword} <src>... <dest>`);
      }
      const out: Instruction = {
        ...base,
        kind: raw.keyword,
        sources: args.slice(0, -1),
        dest: args.at(-1)!,
        link: flags.bool.get('link') ?? false,
        keepGitDir: flags.bool.get('keep-git-dir') ?? false,
        parents: flags.bool.get('parents') ?? false,
        exclude: flags.multi.get('exclude') ?? [],
        heredocs: raw.heredocs,
      };
      if (out.sources.length === 0) throw fail(`${raw.keyword} requires at least one source`);
      for (const k of ['from', 'chown', 'chmod', 'checksum'] as const) {
        const v = flags.str.get(k);
        if (v !== undefined) out[k] = v;
      }
      if (out.checksum !== undefined && !out.sources.every((s) => /^https?:\/\//.test(s))) {
        throw fail("checksum can't be specified for non-HTTP(S) sources");
      }
      return out;
    }
  }
  throw fail(`unknown instruction: ${raw.keyword}`);
}

function healthcheck(rest: string, flags: Flags, fail: (msg: string) => DfError): HealthcheckSpec {
  const m = /^(\S+)\s*([\s\S]*)$/.exec(rest);
  if (!m) throw fail('HEALTHCHECK requires an argument: HEALTHCHECK [OPTIONS] CMD command, or HEALTHCHECK NONE');
  const type = m[1]!.toUpperCase();
  const spec: HealthcheckSpec = { test: [], interval: 0, timeout: 0, startPeriod: 0, startInterval: 0, retries: 0 };
  if (type === 'NONE') {
    if (m[2] !== '' || flags.str.size > 0) throw fail('HEALTHCHECK NONE takes no arguments');
    spec.test = ['NONE'];
    return spec;
  }
  if (type !== 'CMD') throw fail(`Unknown type "${type}" in HEALTHCHECK (try CMD)`);
  if (m[2] === '') throw fail('Missing command after HEALTHCHECK CMD');
  const c = maybeJson(m[2]!, fail);
  spec.test = c.shell ? ['CMD-SHELL', c.args[0]!] : ['CMD', ...c.args];
  const durations: [string, 'interval' | 'timeout' | 'startPeriod' | 'startInterval'][] = [
    ['interval', 'interval'],
    ['timeout', 'timeout'],
    ['start-period', 'startPeriod'],
    ['start-interval', 'startInterval'],
  ];
  for (const [flag, key] of durations) {
    const v = flags.str.get(flag);
    if (v === undefined) continue;
    const ns = parseDuration(v);
    if (ns === undefined) throw fail(`invalid duration for --${flag}: "${v}" (expected e.g. 30s, 1m30s)`);
    if (ns !== 0 && ns < 1e6) throw fail(`--${flag} "${v}" cannot be less than 1ms`);
    spec[key] = ns;
  }
  const retries = flags.str.get('retries');
  if (retries !== undefined) {
    const n = Number(retries);
    if (!Number.isInteger(n)) throw fail(`invalid --retries "${retries}": expected an integer`);
    if (n < 0) throw fail('--retries cannot be negative');
    spec.retries = n;
  }
  return spec;
}

/** A Dockerfile's instructions and directives. */
export interface Dockerfile {
  escape: string;
  syntax?: string;
  instructions: Instruction[];
  warnings: string[];
}

/** Parses and checks a whole Dockerfile. `file` names it in errors (`Dockerfile:3: ...`). */
export function readDockerfile(text: string, file = 'Dockerfile'): Dockerfile {
  const parsed = parseDockerfile(text, file);
  const escChar = parsed.directives.escape;
  const instructions = parsed.instructions.map((r) => toInstruction(r, escChar, file));
  const out: Dockerfile = { escape: escChar, instructions, warnings: parsed.warnings };
  if (parsed.directives.syntax !== undefined) out.syntax = parsed.directives.syntax;
  const firstNonArg = instructions.find((i) => i.kind !== 'ARG');
  if (instructions.length === 0)
    throw new DockerfileError(file, 1, 'the Dockerfile has no instructions (expected FROM)');
  if (firstNonArg === undefined || firstNonArg.kind !== 'FROM') {
    const at = firstNonArg ?? instructions[0]!;
    throw new DockerfileError(
      file,
      at.line,
      `no build stage in current context: expected FROM before ${firstNonArg ? firstNonArg.kind : 'the end'} (only ARG may precede the first FROM)`,
    );
  }
  return out;
}
