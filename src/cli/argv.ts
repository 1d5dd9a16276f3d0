/**
 * Command-line parsing with the rules of the docker CLI (cobra + pflag):
 * `--name x`, `--name=x`, `-n x`, `-nx`, `-n=x`, combined short booleans
 * (`-it`, `-itd`), a short value flag ending a group (`-de A=1`), `--flag=false`
 * for booleans, repeated list flags (`-e A=1 -e B`), `--` ending options, and
 * (for run and exec) options stopping at the first positional argument.
 */

/** What a flag holds: a boolean, one string (the last given wins), a list, or an integer. */
export type FlagType = 'bool' | 'string' | 'list' | 'int';

/** One option of a command, as shown in its help. */
export interface FlagSpec {
  /** Long name without dashes: `detach`. */
  long: string;
  /** One-letter short name: `d`. */
  short?: string;
  type: FlagType;
  description: string;
  /** Default value (also shown in help): a string for 'string', a number for 'int'. */
  default?: string | number;
  /** Name of the value in help (`--name string`); defaults to the type's name. */
  valueName?: string;
  /** Accepted but not shown in help. */
  hidden?: boolean;
}

/** A usage problem: the CLI prints `berth: <message>` and "See 'berth <cmd> --help'." and exits 125. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * The result of parsing: positional arguments, and flag values read by long
 * name through typed getters (defaults applied). `changed` tells whether the
 * user gave a flag at all (e.g. `--entrypoint ""`).
 */
export interface ParsedArgs {
  readonly args: string[];
  /** `--help` (or `-h` where no flag takes it) was given. */
  readonly help: boolean;
  changed(name: string): boolean;
  bool(name: string): boolean;
  string(name: string): string | undefined;
  list(name: string): string[];
  int(name: string): number | undefined;
}

/** Options of {@link parseArgs}. */
export interface ParseOptions {
  /** Stop parsing options at the first positional argument (run, exec). */
  stopAtPositional?: boolean;
}

type Value = boolean | string | string[] | number;

/** Parses `argv` against `specs`; throws UsageError with pflag's wording on a bad flag. */
export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[], opts: ParseOptions = {}): ParsedArgs {
  const byLong = new Map(specs.map((s) => [s.long, s]));
  const byShort = new Map(specs.filter((s) => s.short !== undefined).map((s) => [s.short!, s]));
  const values = new Map<string, Value>();
  const args: string[] = [];
  let help = false;

  const set = (spec: FlagSpec, raw: string | undefined, shown: string): void => {
    switch (spec.type) {
      case 'bool':
        values.set(spec.long, raw === undefined ? true : parseBool(raw, spec));
        return;
      case 'string':
        values.set(spec.long, raw ?? '');
        return;
      case 'list': {
        const prev = values.get(spec.long);
        values.set(spec.long, [...(Array.isArray(prev) ? prev : []), raw ?? '']);
        return;
      }
      case 'int': {
        const v = raw ?? '';
        if (!/^[+-]?\d+$/.test(v)) {
          throw new UsageError(
            `invalid argument "${v}" for "${flagTitle(spec)}" flag: strconv.ParseInt: parsing "${v}": invalid syntax`,
          );
        }
        values.set(spec.long, Number(v));
        return;
      }
      default:
        throw new Error(`unknown flag type for ${shown}`);
    }
  };

  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') {
      args.push(...argv.slice(i + 1));
      break;
    }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq === -1 ? a.slice(2) : a.slice(2, eq);
      const inline = eq === -1 ? undefined : a.slice(eq + 1);
      const spec = byLong.get(name);
      if (spec === undefined) {
        if (name === 'help') {
          help = true;
          continue;
        }
        throw new UsageError(`unknown flag: --${name}`);
      }
      if (spec.type === 'bool' || inline !== undefined) {
        set(spec, inline, a);
        continue;
      }
      if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: --${name}`);
      set(spec, argv[++i], a);
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        const spec = byShort.get(c);
        if (spec === undefined) {
          if (c === 'h') {
            help = true;
            continue;
          }
          throw new UsageError(`unknown shorthand flag: '${c}' in ${a}`);
        }
        if (spec.type === 'bool') {
          if (a[j + 1] === '=') {
            set(spec, a.slice(j + 2), a);
            break;
          }
          set(spec, undefined, a);
          continue;
        }
        if (j + 1 < a.length) {
          set(spec, a[j + 1] === '=' ? a.slice(j + 2) : a.slice(j + 1), a);
        } else {
          if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: '${c}' in -${c}`);
          set(spec, argv[++i], a);
        }
        break;
      }
      continue;
    }
    args.push(a);
    if (opts.stopAtPositional === true) {
      args.push(...argv.slice(i + 1));
      break;
    }
  }

  const specOf = (name: string, type: FlagType): FlagSpec => {
    const spec = byLong.get(name);
    if (spec === undefined || spec.type !== type) throw new Error(`no ${type} flag --${name}`);
    return spec;
  };
  return {
    args,
    help,
    changed: (name) => values.has(name),
    bool: (name) => {
      specOf(name, 'bool');
      return values.get(name) === true;
    },
    string: (name) => {
      const spec = specOf(name, 'string');
      const v = values.get(name);
      return typeof v === 'string' ? v : typeof spec.default === 'string' ? spec.default : undefined;
    },
    list: (name) => {
      specOf(name, 'list');
      const v = values.get(name);
      return Array.isArray(v) ? v : [];
    },
    int: (name) => {
      const spec = specOf(name, 'int');
      const v = values.get(name);
      return typeof v === 'number' ? v : typeof spec.default === 'number' ? spec.default : undefined;
    },
  };
}

function parseBool(raw: string, spec: FlagSpec): boolean {
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(raw)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(raw)) return false;
  throw new UsageError(
    `invalid argument "${raw}" for "${flagTitle(spec)}" flag: strconv.ParseBool: parsing "${raw}": invalid syntax`,
  );
}

/** `-d, --detach` or `--name`, as pflag names a flag in messages. */
export function flagTitle(spec: FlagSpec): string {
  return spec.short === undefined ? `--${spec.long}` : `-${spec.short}, --${spec.long}`;
}
