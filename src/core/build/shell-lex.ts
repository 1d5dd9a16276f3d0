/**
 * Variable substitution in Dockerfile words, with the semantics of BuildKit's
 * and the classic builder's shell lexer (frontend/dockerfile/shell): quotes
 * are removed (single quotes literal; double quotes expand `$` and honour the
 * escape character only before `"`, `$` and itself), the escape character
 * (`\` or the `# escape=` one) escapes the next character outside quotes,
 * and `$name`, `${name}`, `${name:-word}`, `${name-word}`, `${name:+word}`,
 * `${name+word}`, `${name:?message}`, `${name?message}`, `${name#pat}`,
 * `${name##pat}`, `${name%pat}`, `${name%%pat}`, `${name/pat/repl}` and
 * `${name//pat/repl}` are substituted. An unset variable without a default
 * becomes the empty string. Pure.
 */

/** Looks a variable up; undefined means unset (an empty string is set). */
export type EnvLookup = (name: string) => string | undefined;

export interface LexOptions {
  /** The escape character: `\` (default) or `` ` ``. */
  escape?: string;
  /** Keep quote characters in the output (used to find heredoc markers). */
  rawQuotes?: boolean;
  /** Keep escape characters in the output. */
  rawEscapes?: boolean;
  /** Leave `$` expressions as they are (no substitution). */
  noExpand?: boolean;
  /** Heredoc body rules: quotes are plain characters; the escape character escapes only `$`, itself and a backtick. */
  heredoc?: boolean;
}

/** A substitution error (bad syntax or a `${v?msg}` on an unset variable); the message says what was expected. */
export class LexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LexError';
  }
}

const EOF = '';
const SPECIAL = new Set(['@', '*', '#', '?', '-', '$', '!', '0']);

class Lexer {
  readonly #src: string;
  #pos = 0;
  readonly #env: EnvLookup;
  readonly #esc: string;
  readonly #o: LexOptions;
  /** Words being collected by `words()`; null when processing a single word. */
  #words: string[] | null = null;
  #inWord = false;

  constructor(src: string, env: EnvLookup, o: LexOptions) {
    this.#src = src;
    this.#env = env;
    this.#esc = o.escape ?? '\\';
    this.#o = o;
  }

  #peek(): string {
    return this.#src[this.#pos] ?? EOF;
  }

  #next(): string {
    const c = this.#src[this.#pos] ?? EOF;
    if (c !== EOF) this.#pos++;
    return c;
  }

  /** Processes to the end (or to `stop`, unquoted), returning the text. */
  process(stop: string = EOF): string {
    let out = '';
    for (;;) {
      const c = this.#peek();
      if (c === EOF) {
        if (stop !== EOF) throw new LexError(`unexpected end of statement while looking for matching ${stop}`);
        break;
      }
      if (c === stop) {
        this.#next();
        break;
      }
      if (this.#words !== null && stop === EOF && /\s/.test(c)) {
        this.#next();
        this.#endWord(out);
        out = '';
        continue;
      }
      this.#inWord = true;
      if (c === "'" && !this.#o.heredoc) out += this.#single();
      else if (c === '"' && !this.#o.heredoc) out += this.#double();
      else if (c === '$' && !this.#o.noExpand) out += this.#dollar();
      else {
        this.#next();
        if (c === this.#esc) {
          if (this.#o.heredoc && !['$', '`', this.#esc].includes(this.#peek())) {
            out += c;
            continue;
          }
          const n = this.#next();
          if (n === EOF) break;
          if (this.#o.rawEscapes) out += c;
          out += n;
        } else {
          out += c;
        }
      }
    }
    return out;
  }

  #endWord(text: string): void {
    if (this.#words === null) return;
    if (this.#inWord) this.#words.push(text);
    this.#inWord = false;
  }

  words(): string[] {
    this.#words = [];
    const rest = this.process();
    this.#endWord(rest);
    return this.#words;
  }

  #single(): string {
    this.#next();
    let out = this.#o.rawQuotes ? "'" : '';
    for (;;) {
      const c = this.#next();
      if (c === EOF) throw new LexError('unexpected end of statement while looking for matching single-quote');
      if (c === "'") break;
      out += c;
    }
    return this.#o.rawQuotes ? `${out}'` : out;
  }

  #double(): string {
    this.#next();
    let out = this.#o.rawQuotes ? '"' : '';
    for (;;) {
      const c = this.#peek();
      if (c === EOF) throw new LexError('unexpected end of statement while looking for matching double-quote');
      if (c === '"') {
        this.#next();
        break;
      }
      if (c === '$' && !this.#o.noExpand) {
        out += this.#dollar();
        continue;
      }
      this.#next();
      if (c === this.#esc) {
        const n = this.#peek();
        if (n === '"' || n === '$' || n === this.#esc) {
          if (this.#o.rawEscapes) out += c;
          out += this.#next();
          continue;
        }
      }
      out += c;
    }
    return this.#o.rawQuotes ? `${out}"` : out;
  }

  #name(): string {
    const c = this.#peek();
    if (/[0-9]/.test(c)) {
      let n = '';
      while (/[0-9]/.test(this.#peek())) n += this.#next();
      return n;
    }
    if (SPECIAL.has(c)) return this.#next();
    let n = '';
    while (/[A-Za-z0-9_]/.test(this.#peek()) && this.#peek() !== EOF) n += this.#next();
    return n;
  }

  #dollar(): string {
    this.#next();
    if (this.#peek() !== '{') {
      const name = this.#name();
      if (name === '') return '$';
      return this.#env(name) ?? '';
    }
    this.#next();
    if (this.#peek() === EOF) throw new LexError("syntax error: missing '}'");
    if (this.#peek() === '}') throw new LexError('bad substitution');
    const name = this.#name();
    if (name === '') throw new LexError('bad substitution');
    const value = this.#env(name);
    const op = this.#next();
    switch (op) {
      case '}':
        return value ?? '';
      case ':': {
        const m = this.#next();
        const word = this.process('}');
        const empty = value === undefined || value === '';
        if (m === '-') return empty ? word : value;
        if (m === '+') return empty ? '' : word;
        if (m === '?') {
          if (empty) throw new LexError(`${name}: ${word || 'is not allowed to be empty'}`);
          return value;
        }
        throw new LexError(`unsupported modifier (${m}) in substitution`);
      }
      case '-': {
        const word = this.process('}');
        return value === undefined ? word : value;
      }
      case '+': {
        const word = this.process('}');
        return value === undefined ? '' : word;
      }
      case '?': {
        const word = this.process('}');
        if (value === undefined) throw new LexError(`${name}: ${word || 'is not allowed to be unset'}`);
        return value;
      }
      case '#':
      case '%': {
        const longest = this.#peek() === op;
        if (longest) this.#next();
        const pattern = this.process('}');
        return trimPattern(value ?? '', pattern, op === '#', longest);
      }
      case '/': {
        const all = this.#peek() === '/';
        if (all) this.#next();
        const pattern = this.process('/');
        const repl = this.process('}');
        return replacePattern(value ?? '', pattern, repl, all);
      }
      case EOF:
        throw new LexError("syntax error: missing '}'");
      default:
        throw new LexError(`unsupported modifier (${op}) in substitution`);
    }
  }
}

/** A shell glob (`*`, `?`, `[...]`) as a regular expression source. */
function globSource(pattern: string, greedy: boolean): string {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') re += greedy ? '.*' : '.*?';
    else if (c === '?') re += '.';
    else if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        let body = pattern.slice(i + 1, end);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += escapeRe(c);
  }
  return re;
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

function trimPattern(value: string, pattern: string, prefix: boolean, longest: boolean): string {
  const whole = new RegExp(`^(?:${globSource(pattern, true)})$`, 's');
  const n = value.length;
  // Candidate cut points, in the order that finds the shortest (or longest) match first.
  for (let i = 0; i <= n; i++) {
    const cut = prefix ? (longest ? n - i : i) : longest ? i : n - i;
    if (whole.test(prefix ? value.slice(0, cut) : value.slice(cut)))
      return prefix ? value.slice(cut) : value.slice(0, cut);
  }
  return value;
}

function replacePattern(value: string, pattern: string, repl: string, all: boolean): string {
  if (pattern === '') return value;
  const re = new RegExp(globSource(pattern, true), all ? 'gs' : 's');
  return value.replace(re, () => repl);
}

/** Expands one word: substitutions made, quotes and escapes removed. Throws LexError. */
export function expandWord(word: string, env: EnvLookup, opts: LexOptions = {}): string {
  return new Lexer(word, env, opts).process();
}

/** Expands a line and splits it into words at unquoted whitespace (the shell's field splitting of literal text). */
export function expandWords(line: string, env: EnvLookup, opts: LexOptions = {}): string[] {
  return new Lexer(line, env, opts).words();
}

/** An EnvLookup over `KEY=value` strings (later entries win) or a map. */
export function envLookup(env: readonly string[] | ReadonlyMap<string, string>): EnvLookup {
  if (!Array.isArray(env)) {
    const m = env as ReadonlyMap<string, string>;
    return (n) => m.get(n);
  }
  const map = new Map<string, string>();
  for (const kv of env as readonly string[]) {
    const i = kv.indexOf('=');
    if (i < 0) map.set(kv, '');
    else map.set(kv.slice(0, i), kv.slice(i + 1));
  }
  return (n) => map.get(n);
}
