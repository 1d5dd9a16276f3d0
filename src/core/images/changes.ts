/**
 * Dockerfile instructions applied to an image's runtime config: the
 * `commit --change` (and `import --change`) subset Docker accepts — CMD,
 * ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR.
 * Pure: a config and instruction lines in, a new config out.
 *
 * As Docker's builder: CMD/ENTRYPOINT take the JSON (exec) form or a shell
 * form (`/bin/sh -c …`); ENTRYPOINT clears the CMD unless a CMD came
 * earlier in the same changes; `$VAR`/`${VAR}` are replaced from the config's Env in ENV,
 * EXPOSE, LABEL, STOPSIGNAL, USER, VOLUME and WORKDIR; a relative WORKDIR is
 * joined to the current one; EXPOSE ports get `/tcp` unless given a protocol.
 */
import { posix } from 'node:path';
import { invalidArgument } from '../../lib/errors.ts';
import type { ImageRuntimeConfig } from '../../oci/image.ts';

const ALLOWED = new Set([
  'CMD',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'LABEL',
  'ONBUILD',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
]);

/** Applies each line of `changes` (one instruction a line; a `-c` value may hold several) to a copy of `config`. */
export function applyConfigChanges(config: ImageRuntimeConfig, changes: readonly string[]): ImageRuntimeConfig {
  const out: ImageRuntimeConfig = structuredClone(config);
  const state = { cmdSet: false };
  for (const raw of changes.flatMap((c) => joinContinuations(c))) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+)\s*(.*)$/s.exec(line)!;
    const instruction = m[1]!.toUpperCase();
    const rest = m[2]!.trim();
    if (!ALLOWED.has(instruction)) {
      throw invalidArgument(`${instruction.toLowerCase()} is not a valid change command`);
    }
    applyOne(out, instruction, rest, state);
  }
  return out;
}

function applyOne(c: ImageRuntimeConfig, instruction: string, rest: string, state: { cmdSet: boolean }): void {
  const env = envMap(c.Env ?? []);
  const expand = (s: string) => substitute(s, env);
  switch (instruction) {
    case 'CMD':
      c.Cmd = commandForm(rest);
      state.cmdSet = true;
      return;
    case 'ENTRYPOINT':
      c.Entrypoint = commandForm(rest);
      if (!state.cmdSet) c.Cmd = null;
      return;
    case 'ENV':
      for (const [k, v] of keyValues(rest, 'ENV', expand)) {
        c.Env = [...(c.Env ?? []).filter((e) => e.split('=', 1)[0] !== k), `${k}=${v}`];
        env.set(k, v);
      }
      return;
    case 'LABEL':
      for (const [k, v] of keyValues(rest, 'LABEL', expand)) c.Labels = { ...(c.Labels ?? {}), [k]: v };
      return;
    case 'EXPOSE':
      for (const word of words(expand(rest))) {
        for (const port of exposedPorts(word)) c.ExposedPorts = { ...(c.ExposedPorts ?? {}), [port]: {} };
      }
      return;
    case 'VOLUME': {
      const vols = rest.startsWith('[') ? jsonArray(rest, 'VOLUME') : words(rest);
      for (const v of vols.map(expand)) {
        if (v.trim() === '') throw invalidArgument('VOLUME specified can not be an empty string');
        c.Volumes = { ...(c.Volumes ?? {}), [v]: {} };
      }
      return;
    }
    case 'WORKDIR': {
      const dir = expand(rest);
      if (dir === '') throw invalidArgument('WORKDIR requires exactly one argument');
      c.WorkingDir = posix.resolve('/', c.WorkingDir || '/', dir);
      return;
    }
    case 'USER':
      if (rest === '') throw invalidArgument('USER requires exactly one argument');
      c.User = expand(rest);
      return;
    case 'STOPSIGNAL':
      if (rest === '') throw invalidArgument('STOPSIGNAL requires exactly one argument');
      c.StopSignal = expand(rest);
      return;
    case 'ONBUILD': {
      const inner = /^(\S+)/.exec(rest)?.[1]?.toUpperCase();
      if (!inner) throw invalidArgument('ONBUILD requires at least one argument');
      if (inner === 'ONBUILD') throw invalidArgument("Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed");
      if (inner === 'FROM' || inner === 'MAINTAINER') {
        throw invalidArgument(`${inner} isn't allowed as an ONBUILD trigger`);
      }
      c.OnBuild = [...(c.OnBuild ?? []), rest];
      return;
    }
  }
}

function joinContinuations(text: string): string[] {
  return text.replace(/\\\r?\n/g, '').split(/\r?\n/);
}

/** The exec form (a JSON array of strings) or the shell form. */
function commandForm(rest: string): string[] {
  if (rest.startsWith('[')) {
    try {
      return jsonArray(rest, 'CMD');
    } catch {
      // Not valid JSON: Docker falls back to the shell form.
    }
  }
  return ['/bin/sh', '-c', rest];
}

function jsonArray(rest: string, what: string): string[] {
  let v: unknown;
  try {
    v = JSON.parse(rest);
  } catch {
    throw invalidArgument(`${what}: invalid JSON array: ${rest}`);
  }
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) {
    throw invalidArgument(`${what}: expected a JSON array of strings: ${rest}`);
  }
  return v;
}

/** `k=v k2="v 2"` pairs, or the legacy `k v…` form (one pair). */
function keyValues(rest: string, what: string, expand: (s: string) => string): [string, string][] {
  const ws = words(rest, true);
  if (ws.length === 0) throw invalidArgument(`${what} requires at least one argument`);
  if (!ws[0]!.raw.includes('=')) {
    const m = /^(\S+)\s+(.*)$/s.exec(rest);
    if (!m) throw invalidArgument(`${what} names can not be blank`);
    return [[m[1]!, unquote(outsideSingleQuotes(m[2]!.trim(), expand))]];
  }
  return ws.map(({ raw }) => {
    const eq = raw.indexOf('=');
    if (eq <= 0) throw invalidArgument(`${what} names can not be blank`);
    return [unquote(raw.slice(0, eq)), unquote(outsideSingleQuotes(raw.slice(eq + 1), expand))];
  });
}

function words(s: string): string[];
function words(s: string, keepRaw: true): { raw: string }[];
function words(s: string, keepRaw?: true): string[] | { raw: string }[] {
  const out: string[] = [];
  let cur = '';
  let quote: '"' | "'" | undefined;
  let started = false;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (quote) {
      cur += ch;
      if (ch === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else if (ch === quote) quote = undefined;
      continue;
    }
    if (/\s/.test(ch)) {
      if (started) out.push(cur);
      cur = '';
      started = false;
      continue;
    }
    started = true;
    cur += ch;
    if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '\\' && i + 1 < s.length) cur += s[++i];
  }
  if (started) out.push(cur);
  return keepRaw ? out.map((raw) => ({ raw })) : out.map(unquote);
}

/** Applies `f` to the parts of `w` outside single quotes (no expansion inside '…', as in a shell). */
function outsideSingleQuotes(w: string, f: (s: string) => string): string {
  return w
    .split(/('[^']*')/)
    .map((part, i) => (i % 2 === 1 ? part : f(part)))
    .join('');
}

/** Removes quotes and backslash escapes from one word. */
function unquote(w: string): string {
  let out = '';
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < w.length; i++) {
    const ch = w[i]!;
    if (quote === "'") {
      if (ch === "'") quote = undefined;
      else out += ch;
    } else if (ch === '\\' && i + 1 < w.length) {
      out += w[++i];
    } else if (quote === '"' && ch === '"') {
      quote = undefined;
    } else if (!quote && (ch === '"' || ch === "'")) {
      quote = ch;
    } else {
      out += ch;
    }
  }
  return out;
}

function envMap(env: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of env) {
    const eq = e.indexOf('=');
    if (eq > 0) m.set(e.slice(0, eq), e.slice(eq + 1));
  }
  return m;
}

function substitute(s: string, env: ReadonlyMap<string, string>): string {
  return s.replace(/\\\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (all, a?: string, b?: string) =>
    all === '\\$' ? '$' : (env.get((a ?? b)!) ?? ''),
  );
}

function exposedPorts(word: string): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(word);
  if (!m) throw invalidArgument(`invalid port to EXPOSE: ${word}`);
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  if (lo < 1 || hi > 65535 || hi < lo) throw invalidArgument(`invalid port range to EXPOSE: ${word}`);
  const proto = (m[3] ?? 'tcp').toLowerCase();
  const out: string[] = [];
  for (let p = lo; p <= hi; p++) out.push(`${p}/${proto}`);
  return out;
}
