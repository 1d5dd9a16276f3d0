/**
 * `inspect` for containers and images: JSON arrays indented as the docker CLI
 * prints them, or one template rendering per object with `--format`.
 */
import type { FlagSpec, ParsedArgs } from './argv.ts';
import type { Engine } from '../engine/engine.ts';
import type { CommandContext, CommandSpec } from './command.ts';
import { CliError } from './errors.ts';
import { renderTemplate } from './format.ts';
import { isCode } from '../lib/errors.ts';
import { errorText } from './each.ts';

export const INSPECT_FLAGS: FlagSpec[] = [
  { long: 'format', short: 'f', type: 'string', description: 'Format output using a custom template' },
  { long: 'size', short: 's', type: 'bool', description: 'Display total file sizes if the type is container' },
];

/** Options of {@link inspectAll}. */
export interface InspectAllOptions {
  names: readonly string[];
  format: string | undefined;
  /** Looks one name up; throws the engine's not-found when there is none. */
  lookup: (name: string) => Promise<unknown>;
  /** "No such object: x" / "No such container: x" for a name not found. */
  notFound: (name: string, err: unknown) => string;
}

/** Prints what was found, then the errors; exit 1 when any name failed. */
export async function inspectAll(ctx: CommandContext, opts: InspectAllOptions): Promise<number> {
  const found: unknown[] = [];
  const errors: string[] = [];
  for (const name of opts.names) {
    try {
      found.push(await opts.lookup(name));
    } catch (err) {
      if (isCode(err, 'not-found')) errors.push(`Error: ${opts.notFound(name, err)}`);
      else if (err instanceof CliError) throw err;
      else errors.push(errorText(err));
    }
  }
  if (opts.format !== undefined && opts.format !== '') {
    const format = opts.format === 'json' ? '{{json .}}' : opts.format;
    for (const v of found) ctx.stdout.write(renderTemplate(format, v));
  } else {
    ctx.stdout.write(`${found.length === 0 ? '[]' : JSON.stringify(found, null, 4)}\n`);
  }
  for (const e of errors) ctx.stderr.write(`${e}\n`);
  return errors.length > 0 ? 1 : 0;
}

/** What differs between the `inspect` commands of networks, volumes and images. */
export interface InspectCommandOptions {
  /** The argument's name in the usage line: `NETWORK`. */
  placeholder: string;
  /** Plural noun for the summary: `networks`. */
  nouns: string;
  lookup: (engine: Engine, name: string) => Promise<unknown>;
  notFound: (name: string) => string;
}

/** The spec and handler of a plain `<noun> inspect [--format] NAME...` command. */
export function inspectCommand(o: InspectCommandOptions): {
  spec: CommandSpec;
  handler: (ctx: CommandContext, p: ParsedArgs) => Promise<number>;
} {
  return {
    spec: {
      usage: `[OPTIONS] ${o.placeholder} [${o.placeholder}...]`,
      summary: `Display detailed information on one or more ${o.nouns}`,
      flags: INSPECT_FLAGS.filter((f) => f.long === 'format'),
      minArgs: 1,
    },
    async handler(ctx, p) {
      const engine = await ctx.engine();
      return inspectAll(ctx, {
        names: p.args,
        format: p.string('format'),
        lookup: (name) => o.lookup(engine, name),
        notFound: o.notFound,
      });
    },
  };
}
