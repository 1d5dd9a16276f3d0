/**
 * `--format` as the docker CLI handles it: `table` (the command's default
 * columns), `table TEMPLATE` (a header row, then aligned columns), `json` (one
 * JSON object per row), or a Go template printed once per row. Tables are
 * aligned as Go's text/tabwriter does with Docker's settings (minimum width
 * 10, padding 3).
 */
import { CliError } from './errors.ts';
import { parseTemplate, STRICT, TemplateError } from './template.ts';

/** Options of {@link renderRows}. */
export interface RenderOptions {
  /** What the user gave to `--format`; undefined or '' or 'table' means `defaultFormat`. */
  format: string | undefined;
  /** The command's default, a `table …` template. */
  defaultFormat: string;
  /** Template contexts, one per row. */
  rows: readonly object[];
  /** The context the header row is rendered from: field → column title. */
  header: object;
  /** The fields of a row in `--format json`. */
  jsonFields: readonly string[];
}

/** Renders rows as text ending in a newline (or '' for no rows outside a table). */
export function renderRows(opts: RenderOptions): string {
  let format =
    opts.format === undefined || opts.format === '' || opts.format === 'table' ? opts.defaultFormat : opts.format;
  if (format === 'json') {
    return opts.rows.map((row) => `${jsonRow(row, opts.jsonFields)}\n`).join('');
  }
  const isTable = format.startsWith('table');
  if (isTable) format = format.slice('table'.length);
  format = format.trim().replaceAll('\\t', '\t').replaceAll('\\n', '\n');
  const template = compile(format);
  const run = (data: object): string => {
    try {
      return template.execute(data);
    } catch (err) {
      if (err instanceof TemplateError) throw new CliError(err.message);
      throw err;
    }
  };
  if (!isTable) return opts.rows.map((row) => `${run(row)}\n`).join('');
  const lines = [run(opts.header), ...opts.rows.map(run)];
  return tabwrite(`${lines.join('\n')}\n`);
}

/** Parses a `--format` template, reporting a bad one as Docker does. */
export function compile(format: string): ReturnType<typeof parseTemplate> {
  try {
    return parseTemplate(format);
  } catch (err) {
    if (err instanceof TemplateError) throw new CliError(`template parsing error: ${err.message}`);
    throw err;
  }
}

/** Renders one value with a user template (inspect -f): the template's output and a newline. */
export function renderTemplate(format: string, data: unknown): string {
  const template = compile(format.replaceAll('\\t', '\t').replaceAll('\\n', '\n'));
  try {
    return `${template.execute(data)}\n`;
  } catch (err) {
    if (err instanceof TemplateError) throw new CliError(err.message);
    throw err;
  }
}

/** A row as Docker's `--format json` prints it: the named fields, sorted, HTML characters escaped as Go does. */
export function jsonRow(row: object, fields: readonly string[]): string {
  const obj: Record<string, unknown> = {};
  const source = row as Record<string, unknown>;
  for (const f of [...fields].sort()) {
    const v = source[f];
    obj[f] = typeof v === 'function' ? (v as () => unknown).call(row) : v;
  }
  return goJson(obj);
}

/** JSON as Go's encoding/json writes it: `<`, `>` and `&` escaped. */
export function goJson(value: unknown): string {
  return JSON.stringify(value).replaceAll('<', '\\u003c').replaceAll('>', '\\u003e').replaceAll('&', '\\u0026');
}

/** Marks a template context as a struct: unknown fields are errors, not "<no value>". */
export function strict<T extends object>(ctx: T): T {
  Object.defineProperty(ctx, STRICT, { value: true, enumerable: false });
  return ctx;
}

/** Tab stops as Go's text/tabwriter lays them out (left-aligned, space padding). */
export interface TabOptions {
  minwidth: number;
  padding: number;
}

/**
 * Aligns tab-separated cells in columns: a column's width is the widest cell
 * of its block of consecutive lines plus padding (at least `minwidth`); the
 * text after a line's last tab is not part of any column.
 */
export function tabwrite(text: string, opts: TabOptions = { minwidth: 10, padding: 3 }): string {
  const lines = text.split('\n').map((l) => l.split('\t'));
  const widths: number[] = [];
  let out = '';
  const width = (s: string) => [...s].length;

  const writeLines = (from: number, to: number): void => {
    for (let i = from; i < to; i++) {
      const cells = lines[i]!;
      cells.forEach((c, j) => {
        out += c;
        if (j < widths.length) out += ' '.repeat(Math.max(0, widths[j]! - width(c)));
      });
      if (i < lines.length - 1) out += '\n';
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    let start = line0;
    for (let self = line0; self < line1; self++) {
      if (column >= lines[self]!.length - 1) continue;
      writeLines(start, self);
      start = self;
      let w = opts.minwidth;
      for (; self < line1; self++) {
        const line = lines[self]!;
        if (column >= line.length - 1) break;
        w = Math.max(w, width(line[column]!) + opts.padding);
      }
      widths.push(w);
      format(start, self);
      widths.pop();
      start = self;
      self--;
    }
    writeLines(start, line1);
  };

  format(0, lines.length);
  return out;
}
