/**
 * The Dockerfile parser, first half: text → logical lines ("raw
 * instructions") with BuildKit's rules. Pure.
 *
 * - Parser directives (`# syntax=`, `# escape=`, `# check=`) are read only
 *   before the first comment, blank line or instruction; each at most once;
 *   names are case-insensitive; an unknown directive is a comment and ends
 *   the directives.
 * - A line ending in the escape character (optionally followed by blanks)
 *   continues on the next; comment lines and blank lines inside a
 *   continuation are skipped.
 * - Comment lines (`#` after optional whitespace) are dropped; `#` elsewhere
 *   is an ordinary character.
 * - `RUN`, `COPY` and `ADD` lines take heredocs (`<<EOF`, `<<-EOF`,
 *   `<<"EOF"`, several per line): their bodies follow the line, each ended by
 *   a line holding only its name (for `<<-`, after leading tabs).
 * - Leading `--flag[=value]` words are split off as flags.
 *
 * Errors are DockerfileErrors naming the file and line.
 */
import { BerthError } from '../../lib/errors.ts';
import { expandWords } from './shell-lex.ts';

export interface Directives {
  /** The escape character: `\` (default) or `` ` ``. */
  escape: string;
  /** `# syntax=` (accepted and recorded; berth has one frontend). */
  syntax?: string;
  /** `# check=` (accepted and recorded). */
  check?: string;
}

/** A here-document attached to an instruction. */
export interface Heredoc {
  /** The delimiter word, quotes removed. */
  name: string;
  /** The body, each line ending in "\n" (for `<<-`, leading tabs removed). */
  content: string;
  /** False when the delimiter was quoted (`<<'EOF'`, `<<"EOF"`): no substitution in the body. */
  expand: boolean;
  /** `<<-`: leading tabs stripped. */
  chomp: boolean;
  /** A file-descriptor prefix (`3<<EOF`), if given. */
  fd?: number;
}

/** One logical line of a Dockerfile. */
export interface RawInstruction {
  /** The instruction keyword, upper-case (`RUN`). */
  keyword: string;
  /** Leading `--name[=value]` words, quotes kept. */
  flags: string[];
  /** The text after the keyword and flags, trimmed. */
  rest: string;
  /** The whole logical line as written (continuations joined). */
  original: string;
  heredocs: Heredoc[];
  /** 1-based line the instruction starts on, and the last line it spans. */
  line: number;
  endLine: number;
}

export interface ParsedDockerfile {
  directives: Directives;
  instructions: RawInstruction[];
  /** Non-fatal findings (e.g. empty continuation lines), each naming its line. */
  warnings: string[];
}

/** A Dockerfile syntax error at a line; the message reads `<file>:<line>: <what was expected>`. */
export class DockerfileError extends BerthError {
  readonly file: string;
  readonly line: number;
  readonly detail: string;
  constructor(file: string, line: number, detail: string) {
    super('invalid-argument', `${file}:${line}: ${detail}`);
    this.file = file;
    this.line = line;
    this.detail = detail;
  }
}

const DIRECTIVE = /^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$/;
const KNOWN_DIRECTIVES = new Set(['syntax', 'escape', 'check']);
const HEREDOC_KEYWORDS = new Set(['RUN', 'COPY', 'ADD']);
const HEREDOC_WORD = /^(\d*)<<(-?)([^<]*)$/;

function isComment(line: string): boolean {
  return /^[ \t]*#/.test(line);
}

function isBlank(line: string): boolean {
  return /^[ \t]*$/.test(line);
}

/** Strips a trailing escape character (and blanks after it); says whether the line continues. */
function continuation(line: string, escChar: string): { text: string; continues: boolean } {
  const re = escChar === '`' ? /`[ \t]*$/ : /\\[ \t]*$/;
  const m = re.exec(line);
  if (!m) return { text: line, continues: false };
  return { text: line.slice(0, m.index), continues: true };
}

/** Splits `text` (after the keyword) into its leading `--flags` and the rest. */
export function splitFlags(text: string): { flags: string[]; rest: string } {
  const flags: string[] = [];
  let s = text.replace(/^[ \t]+/, '');
  for (;;) {
    if (!s.startsWith('--')) break;
    let i = 0;
    let quote = '';
    for (; i < s.length; i++) {
      const c = s[i]!;
      if (quote) {
        if (c === quote) quote = '';
      } else if (c === '"' || c === "'") quote = c;
      else if (c === ' ' || c === '\t') break;
    }
    const word = s.slice(0, i);
    s = s.slice(i).replace(/^[ \t]+/, '');
    if (word === '--') break;
    flags.push(word);
  }
  return { flags, rest: s.trim() };
}

/** The heredoc markers of a line (`<<EOF`, `<<-"EOF"`, `3<<EOF`), in order. */
export function heredocMarkers(line: string, escChar: string): Omit<Heredoc, 'content'>[] {
  let words: string[];
  try {
    words = expandWords(line, () => undefined, { escape: escChar, rawQuotes: true, rawEscapes: true, noExpand: true });
  } catch {
    return [];
  }
  const out: Omit<Heredoc, 'content'>[] = [];
  for (const w of words) {
    const m = HEREDOC_WORD.exec(w);
    if (!m || m[3] === '') continue;
    const raw = m[3]!;
    const quoted = /^(["']).*\1$/.test(raw) && raw.length >= 2;
    const name = quoted ? raw.slice(1, -1) : raw;
    if (name === '' || /\s/.test(name)) continue;
    const doc: Omit<Heredoc, 'content'> = { name, expand: !quoted, chomp: m[2] === '-' };
    if (m[1] !== '') doc.fd = Number(m[1]);
    out.push(doc);
  }
  return out;
}

/** Parses Dockerfile text into directives and logical lines. `file` names the file in errors. */
export function parseDockerfile(text: string, file = 'Dockerfile'): ParsedDockerfile {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines.length > 0 && lines.at(-1) === '') lines.pop();
  const directives: Directives = { escape: '\\' };
  const warnings: string[] = [];
  const seen = new Set<string>();
  let i = 0;
  // Directives: only at the very top.
  for (; i < lines.length; i++) {
    const m = DIRECTIVE.exec(lines[i]!);
    if (!m) break;
    const key = m[1]!.toLowerCase();
    if (!KNOWN_DIRECTIVES.has(key)) break;
    if (seen.has(key)) throw new DockerfileError(file, i + 1, `only one ${key} parser directive can be used`);
    seen.add(key);
    const value = m[2]!;
    if (key === 'escape') {
      if (value !== '\\' && value !== '`') {
        throw new DockerfileError(file, i + 1, `invalid escape token '${value}' does not match \` or \\`);
      }
      directives.escape = value;
    } else if (key === 'syntax') directives.syntax = value;
    else directives.check = value;
  }
  const esc = directives.escape;
  const instructions: RawInstruction[] = [];
  while (i < lines.length) {
    const first = lines[i]!;
    const start = i + 1;
    i++;
    if (isComment(first) || isBlank(first)) continue;
    let { text: joined, continues } = continuation(first.replace(/^[ \t]+/, ''), esc);
    let emptyContinuation = false;
    while (continues && i < lines.length) {
      const l = lines[i]!;
      i++;
      if (isComment(l)) continue;
      if (isBlank(l)) {
        emptyContinuation = true;
        continue;
      }
      const c = continuation(l, esc);
      joined += c.text;
      continues = c.continues;
    }
    const endOfLine = i;
    if (emptyContinuation) warnings.push(`${file}:${start}: empty continuation line`);
    const m = /^(\S+)\s*([\s\S]*)$/.exec(joined.trim());
    if (!m) continue;
    const keyword = m[1]!.toUpperCase();
    const { flags, rest } = splitFlags(m[2]!);
    const heredocs: Heredoc[] = [];
    const isOnbuildHeredoc =
      keyword === 'ONBUILD' && HEREDOC_KEYWORDS.has((/^\S+/.exec(rest)?.[0] ?? '').toUpperCase());
    if ((HEREDOC_KEYWORDS.has(keyword) || isOnbuildHeredoc) && joined.includes('<<')) {
      for (const marker of heredocMarkers(rest, esc)) {
        let content = '';
        let terminated = false;
        while (i < lines.length) {
          const l = lines[i]!;
          i++;
          const candidate = marker.chomp ? l.replace(/^\t+/, '') : l;
          if (candidate === marker.name) {
            terminated = true;
            break;
          }
          content += `${candidate}\n`;
        }
        if (!terminated) {
          throw new DockerfileError(file, start, `unterminated heredoc: expected a line "${marker.name}" to end it`);
        }
        heredocs.push({ ...marker, content });
      }
    }
    instructions.push({
      keyword,
      flags,
      rest,
      original: joined.trim(),
      heredocs,
      line: start,
      endLine: heredocs.length > 0 ? i : endOfLine,
    });
  }
  return { directives, instructions, warnings };
}
