/**
 * The part of Go's text/template that `--format` uses in the docker CLI:
 * `{{.Field}}`, `{{.A.B}}`, method fields with arguments (`{{.Label "k"}}`),
 * pipelines (`{{.Names | upper}}`), `if`/`else`/`range`/`with`/`end`,
 * variables in range (`{{range $k, $v := .Labels}}`), `{{- -}}` trimming, and
 * Docker's functions (json, join, split, upper, lower, title, pad, truncate,
 * println) plus Go's (index, len, print, printf, eq, ne, lt, le, gt, ge, and,
 * or, not). Values print as Go's `%v` would.
 */

/** A template that cannot be parsed, or fails while executing. */
export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** Objects carrying this symbol reject unknown fields, as Go structs do; other objects act as maps. */
export const STRICT = Symbol('strict-template-context');

type Operand =
  | { k: 'field'; base: 'dot' | 'var'; name: string; path: string[]; src: string }
  | { k: 'lit'; v: unknown }
  | { k: 'ident'; name: string }
  | { k: 'pipe'; pipe: Pipeline };
type Command = Operand[];
interface Pipeline {
  decl: string[];
  cmds: Command[];
}
type Node =
  | { t: 'text'; s: string }
  | { t: 'action'; pipe: Pipeline }
  | { t: 'if' | 'with' | 'range'; pipe: Pipeline; body: Node[]; else: Node[] };

/** A parsed template: execute it against any value. */
export interface Template {
  execute(data: unknown): string;
}

/** Parses `source`; throws TemplateError with the problem. */
export function parseTemplate(source: string): Template {
  const nodes = parseNodes(source);
  return { execute: (data) => execNodes(nodes, { dot: data, vars: new Map([['$', data]]) }) };
}

// ---- lexing ------------------------------------------------------------------

interface Chunk {
  kind: 'text' | 'action';
  s: string;
}

function splitActions(src: string): Chunk[] {
  const out: Chunk[] = [];
  let at = 0;
  while (at < src.length) {
    const open = src.indexOf('{{', at);
    if (open === -1) {
      out.push({ kind: 'text', s: src.slice(at) });
      break;
    }
    let text = src.slice(at, open);
    let start = open + 2;
    if (src.startsWith('- ', start) || src.startsWith('-\t', start) || src.startsWith('-\n', start)) {
      text = text.replace(/\s+$/, '');
      start += 1;
    }
    const close = findClose(src, start);
    if (close === -1) throw new TemplateError('template: unclosed action');
    let inner = src.slice(start, close);
    let next = close + 2;
    if (/\s-$/.test(inner)) {
      inner = inner.slice(0, -1);
      const m = /^\s*/.exec(src.slice(next))!;
      next += m[0].length;
    }
    if (text !== '') out.push({ kind: 'text', s: text });
    out.push({ kind: 'action', s: inner.trim() });
    at = next;
  }
  return out;
}

/** Index of the `}}` closing an action, skipping quoted strings. */
function findClose(src: string, from: number): number {
  for (let i = from; i < src.length; i++) {
    const c = src[i];
    if (c === '"') {
      for (i++; i < src.length && src[i] !== '"'; i++) if (src[i] === '\\') i++;
    } else if (c === '`') {
      i = src.indexOf('`', i + 1);
      if (i === -1) return -1;
    } else if (c === '}' && src[i + 1] === '}') {
      return i;
    }
  }
  return -1;
}

type Token =
  | { k: 'field'; base: 'dot' | 'var'; name: string; path: string[]; src: string }
  | { k: 'str' | 'num' | 'ident'; v: string }
  | { k: '|' | '(' | ')' | ':=' | ',' };

function tokenize(s: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const ident = /[A-Za-z_][A-Za-z0-9_]*/y;
  const readPath = (): string[] => {
    const path: string[] = [];
    while (s[i] === '.') {
      ident.lastIndex = i + 1;
      const m = ident.exec(s);
      if (m === null) break;
      path.push(m[0]);
      i = ident.lastIndex;
    }
    return path;
  };
  while (i < s.length) {
    const c = s[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (c === '|' || c === '(' || c === ')' || c === ',') {
      out.push({ k: c });
      i++;
    } else if (c === ':' && s[i + 1] === '=') {
      out.push({ k: ':=' });
      i += 2;
    } else if (c === '.') {
      const from = i;
      const path = readPath();
      if (path.length === 0) i++;
      out.push({ k: 'field', base: 'dot', name: '', path, src: s.slice(from, i) });
    } else if (c === '$') {
      const from = i;
      ident.lastIndex = i + 1;
      const m = ident.exec(s);
      const name = m === null ? '$' : `$${m[0]}`;
      i = m === null ? i + 1 : ident.lastIndex;
      const path = readPath();
      out.push({ k: 'field', base: 'var', name, path, src: s.slice(from, i) });
    } else if (c === '"') {
      let j = i + 1;
      for (; j < s.length && s[j] !== '"'; j++) if (s[j] === '\\') j++;
      if (j >= s.length) throw new TemplateError('template: unterminated quoted string');
      try {
        out.push({ k: 'str', v: JSON.parse(s.slice(i, j + 1)) as string });
      } catch {
        throw new TemplateError(`template: bad string ${s.slice(i, j + 1)}`);
      }
      i = j + 1;
    } else if (c === '`') {
      const j = s.indexOf('`', i + 1);
      out.push({ k: 'str', v: s.slice(i + 1, j) });
      i = j + 1;
    } else if (/[-+\d]/.test(c)) {
      const m = /[-+]?\d+(\.\d+)?/y;
      m.lastIndex = i;
      const r = m.exec(s);
      if (r === null) throw new TemplateError(`template: unexpected "${c}" in command`);
      out.push({ k: 'num', v: r[0] });
      i = m.lastIndex;
    } else {
      ident.lastIndex = i;
      const m = ident.exec(s);
      if (m === null) throw new TemplateError(`template: unexpected "${c}" in command`);
      out.push({ k: 'ident', v: m[0] });
      i = ident.lastIndex;
    }
  }
  return out;
}

// ---- parsing -----------------------------------------------------------------

type Block = Extract<Node, { body: Node[] }>;

function parseNodes(src: string): Node[] {
  const root: Node[] = [];
  // `chained` marks an `else if` branch: it closes together with its parent at {{end}}.
  const stack: { node: Block; inElse: boolean; list: Node[]; chained: boolean }[] = [];
  const current = (): Node[] => (stack.length === 0 ? root : stack.at(-1)!.list);
  const open = (kind: Block['t'], rest: string, chained: boolean): void => {
    const node: Block = { t: kind, pipe: parsePipeline(tokenize(rest)), body: [], else: [] };
    current().push(node);
    stack.push({ node, inElse: false, list: node.body, chained });
  };
  for (const chunk of splitActions(src)) {
    if (chunk.kind === 'text') {
      current().push({ t: 'text', s: chunk.s });
      continue;
    }
    const s = chunk.s;
    if (s.startsWith('/*')) continue;
    const word = /^[a-z]+\b/.exec(s)?.[0];
    const rest = word === undefined ? s : s.slice(word.length);
    if (word === 'if' || word === 'range' || word === 'with') {
      open(word, rest, false);
    } else if (word === 'else') {
      const top = stack.at(-1);
      if (top === undefined || top.inElse) throw new TemplateError('template: unexpected {{else}}');
      top.inElse = true;
      top.list = top.node.else;
      const chained = /^\s*(if|with)\b(.*)$/s.exec(rest);
      if (chained !== null) open(chained[1] as 'if' | 'with', chained[2]!, true);
      else if (rest.trim() !== '') throw new TemplateError(`template: unexpected "${rest.trim()}" in else`);
    } else if (word === 'end' && rest.trim() === '') {
      if (stack.length === 0) throw new TemplateError('template: unexpected {{end}}');
      while (stack.pop()?.chained === true) {
        // Pop the parents of `else if` branches too.
      }
    } else {
      current().push({ t: 'action', pipe: parsePipeline(tokenize(s)) });
    }
  }
  if (stack.length > 0) throw new TemplateError('template: unexpected EOF');
  return root;
}

function parsePipeline(tokens: Token[]): Pipeline {
  let at = 0;
  const decl: string[] = [];
  const declEnd = tokens.findIndex((t) => t.k === ':=');
  if (declEnd !== -1) {
    for (const t of tokens.slice(0, declEnd)) {
      if (t.k === 'field' && t.base === 'var' && t.path.length === 0) decl.push(t.name);
      else if (t.k !== ',') throw new TemplateError('template: bad variable declaration');
    }
    at = declEnd + 1;
  }
  const parse = (stopAtParen: boolean): Pipeline => {
    const cmds: Command[] = [];
    let cmd: Command = [];
    while (at < tokens.length) {
      const t = tokens[at]!;
      if (t.k === ')') {
        if (!stopAtParen) throw new TemplateError('template: unexpected right paren');
        at++;
        break;
      }
      at++;
      if (t.k === '|') {
        if (cmd.length === 0) throw new TemplateError('template: missing command before |');
        cmds.push(cmd);
        cmd = [];
      } else if (t.k === '(') {
        cmd.push({ k: 'pipe', pipe: parse(true) });
      } else if (t.k === 'field') {
        cmd.push({ k: 'field', base: t.base, name: t.name, path: t.path, src: t.src });
      } else if (t.k === 'str') {
        cmd.push({ k: 'lit', v: t.v });
      } else if (t.k === 'num') {
        cmd.push({ k: 'lit', v: Number(t.v) });
      } else if (t.k === 'ident') {
        if (t.v === 'true' || t.v === 'false') cmd.push({ k: 'lit', v: t.v === 'true' });
        else if (t.v === 'nil') cmd.push({ k: 'lit', v: null });
        else if (t.v in FUNCS) cmd.push({ k: 'ident', name: t.v });
        else throw new TemplateError(`template: function "${t.v}" not defined`);
      } else {
        throw new TemplateError(`template: unexpected "${t.k}" in command`);
      }
    }
    if (cmd.length > 0) cmds.push(cmd);
    if (cmds.length === 0) throw new TemplateError('template: missing value for command');
    return { decl: [], cmds };
  };
  const pipe = parse(false);
  return { decl, cmds: pipe.cmds };
}

// ---- execution ---------------------------------------------------------------

interface Scope {
  dot: unknown;
  vars: Map<string, unknown>;
}

function execNodes(nodes: Node[], scope: Scope): string {
  let out = '';
  for (const node of nodes) {
    switch (node.t) {
      case 'text':
        out += node.s;
        break;
      case 'action': {
        const v = evalPipeline(node.pipe, scope);
        if (node.pipe.decl.length > 0) {
          scope.vars.set(node.pipe.decl[0]!, v);
        } else {
          out += printValue(v);
        }
        break;
      }
      case 'if': {
        const v = evalPipeline(node.pipe, scope);
        out += execNodes(truthy(v) ? node.body : node.else, scope);
        break;
      }
      case 'with': {
        const v = evalPipeline(node.pipe, scope);
        out += truthy(v) ? execNodes(node.body, { dot: v, vars: scope.vars }) : execNodes(node.else, scope);
        break;
      }
      case 'range': {
        const v = evalPipeline(node.pipe, scope);
        const entries = rangeEntries(v);
        if (entries.length === 0) {
          out += execNodes(node.else, scope);
          break;
        }
        for (const [key, item] of entries) {
          const vars = new Map(scope.vars);
          const [a, b] = node.pipe.decl;
          if (a !== undefined && b !== undefined) {
            vars.set(a, key);
            vars.set(b, item);
          } else if (a !== undefined) {
            vars.set(a, item);
          }
          out += execNodes(node.body, { dot: item, vars });
        }
        break;
      }
    }
  }
  return out;
}

function rangeEntries(v: unknown): [unknown, unknown][] {
  if (v === null || v === undefined) return [];
  if (Array.isArray(v)) return v.map((item, i) => [i, item]);
  if (typeof v === 'number') return Array.from({ length: v }, (_, i) => [i, i]);
  if (typeof v === 'object') {
    return Object.keys(v)
      .sort()
      .map((k) => [k, (v as Record<string, unknown>)[k]]);
  }
  throw new TemplateError(`template: range can't iterate over ${printValue(v)}`);
}

function evalPipeline(pipe: Pipeline, scope: Scope): unknown {
  let value: unknown;
  let piped = false;
  for (const cmd of pipe.cmds) {
    value = evalCommand(cmd, scope, piped ? [value] : []);
    piped = true;
  }
  return value;
}

function evalCommand(cmd: Command, scope: Scope, piped: unknown[]): unknown {
  const [head, ...rest] = cmd;
  if (head === undefined) throw new TemplateError('template: empty command');
  const args = () => [...rest.map((o) => evalOperand(o, scope)), ...piped];
  if (head.k === 'ident') return FUNCS[head.name]!(...args());
  if (head.k === 'field') {
    const { holder, value } = resolveField(head, scope);
    if (typeof value === 'function') return (value as (...a: unknown[]) => unknown).apply(holder, args());
    if (rest.length > 0 || piped.length > 0) {
      throw new TemplateError(`template: executing at <${head.src}>: ${head.src} is not a method but has arguments`);
    }
    return value;
  }
  if (rest.length > 0 || piped.length > 0) throw new TemplateError("template: can't give argument to non-function");
  return evalOperand(head, scope);
}

function evalOperand(op: Operand, scope: Scope): unknown {
  switch (op.k) {
    case 'lit':
      return op.v;
    case 'ident':
      return FUNCS[op.name]!();
    case 'pipe':
      return evalPipeline(op.pipe, scope);
    case 'field': {
      const { holder, value } = resolveField(op, scope);
      return typeof value === 'function' ? (value as () => unknown).call(holder) : value;
    }
  }
}

function resolveField(op: Extract<Operand, { k: 'field' }>, scope: Scope): { holder: unknown; value: unknown } {
  let value: unknown;
  if (op.base === 'dot') {
    value = scope.dot;
  } else {
    if (!scope.vars.has(op.name)) throw new TemplateError(`template: undefined variable "${op.name}"`);
    value = scope.vars.get(op.name);
  }
  let holder: unknown;
  for (const [i, name] of op.path.entries()) {
    if (i > 0 && typeof value === 'function') value = (value as () => unknown).call(holder);
    if (value === null || value === undefined) {
      throw new TemplateError(`template: executing at <${op.src}>: nil pointer evaluating interface {}.${name}`);
    }
    if (typeof value !== 'object') {
      throw new TemplateError(
        `template: executing at <${op.src}>: can't evaluate field ${name} in type ${goType(value)}`,
      );
    }
    holder = value;
    const obj = value as Record<string | symbol, unknown>;
    if (!(name in obj) && obj[STRICT] === true) {
      throw new TemplateError(`template: executing at <${op.src}>: can't evaluate field ${name}`);
    }
    value = obj[name];
  }
  return { holder, value };
}

function goType(v: unknown): string {
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  return 'interface {}';
}

function truthy(v: unknown): boolean {
  if (v === null || v === undefined || v === false || v === 0 || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v).length > 0;
  return true;
}

/** Go's `%v` for JSON-shaped values: `[a b]` for slices, `map[k:v]` for maps, `{v1 v2}` for structs. */
export function printValue(v: unknown): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (typeof v === 'function') return printValue((v as () => unknown)());
  if (Array.isArray(v)) return `[${v.map(printNested).join(' ')}]`;
  if (typeof v === 'object') {
    const keys = Object.keys(v);
    const obj = v as Record<string, unknown>;
    if (keys.length > 0 && keys.every((k) => /^[A-Z]/.test(k)))
      return `{${keys.map((k) => printNested(obj[k])).join(' ')}}`;
    return `map[${keys
      .sort()
      .map((k) => `${k}:${printNested(obj[k])}`)
      .join(' ')}]`;
  }
  return String(v);
}

function printNested(v: unknown): string {
  return v === undefined ? '<nil>' : printValue(v);
}

function toStr(v: unknown): string {
  return typeof v === 'string' ? v : printValue(v);
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  throw new TemplateError('template: incompatible types for comparison');
}

function sprintf(format: string, args: unknown[]): string {
  let i = 0;
  return format.replace(/%([-+# 0]*\d*(?:\.\d+)?)?([%vsdqftx])/g, (_m, _flags: string | undefined, verb: string) => {
    if (verb === '%') return '%';
    const a = args[i++];
    switch (verb) {
      case 'q':
        return JSON.stringify(toStr(a));
      case 'd':
        return typeof a === 'number' ? String(Math.trunc(a)) : `%!d(${toStr(a)})`;
      case 'x':
        return typeof a === 'number' ? a.toString(16) : Buffer.from(toStr(a)).toString('hex');
      default:
        return toStr(a);
    }
  });
}

const FUNCS: Record<string, (...args: unknown[]) => unknown> = {
  json: (v) => JSON.stringify(v === undefined ? null : v),
  join: (list, sep) => (Array.isArray(list) ? list.map(toStr).join(toStr(sep)) : toStr(list)),
  split: (s, sep) => toStr(s).split(toStr(sep)),
  upper: (s) => toStr(s).toUpperCase(),
  lower: (s) => toStr(s).toLowerCase(),
  title: (s) => toStr(s).replace(/\b\p{L}/gu, (c) => c.toUpperCase()),
  pad: (s, before, after) => ' '.repeat(Number(before)) + toStr(s) + ' '.repeat(Number(after)),
  truncate: (s, n) => {
    const chars = [...toStr(s)];
    return chars.length > Number(n) ? chars.slice(0, Number(n)).join('') : chars.join('');
  },
  println: (...a) => `${a.map(toStr).join(' ')}\n`,
  print: (...a) => a.map(toStr).join(''),
  printf: (format, ...a) => sprintf(toStr(format), a),
  len: (v) => {
    if (typeof v === 'string' || Array.isArray(v)) return v.length;
    if (v !== null && typeof v === 'object') return Object.keys(v).length;
    throw new TemplateError(`template: len of ${printValue(v)}`);
  },
  index: (v, ...keys) => {
    let cur = v;
    for (const k of keys) {
      if (cur === null || cur === undefined) throw new TemplateError('template: index of untyped nil');
      cur = (cur as Record<string, unknown>)[String(k)];
    }
    return cur;
  },
  eq: (a, ...bs) => bs.some((b) => a === b),
  ne: (a, b) => a !== b,
  lt: (a, b) => compare(a, b) < 0,
  le: (a, b) => compare(a, b) <= 0,
  gt: (a, b) => compare(a, b) > 0,
  ge: (a, b) => compare(a, b) >= 0,
  and: (...a) => a.find((x) => !truthy(x)) ?? a.at(-1),
  or: (...a) => a.find((x) => truthy(x)) ?? a.at(-1),
  not: (a) => !truthy(a),
};
