/**
 * `berth`: global options, command lookup (`run` = `container run`…), flag
 * parsing and error reporting as the docker CLI does them. The command's own
 * module is imported only once it is known, and the engine is connected only
 * when the command asks for it.
 */
import type { Engine } from '../engine/engine.ts';
import { parseArgs, UsageError } from './argv.ts';
import type { CommandContext } from './command.ts';
import { findCommand, GLOBAL_FLAGS, GROUPS } from './commands.ts';
import { describeError } from './errors.ts';

// Help and the version are imported when asked for: each module on the way to a command costs start-up time.
const help = () => import('./help.ts');

/** What `main` needs from the process. */
export interface MainOptions {
  env: Readonly<Record<string, string | undefined>>;
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** Makes the engine for a host; the remote engine by default. */
  connect?: (host: string) => Promise<Engine & { close?(): void }>;
}

/** The daemon address: `-H`, else $BERTH_HOST, else $DOCKER_HOST, else berthd's default socket. */
export function resolveHost(flag: string | undefined, env: Readonly<Record<string, string | undefined>>): string {
  for (const v of [flag, env.BERTH_HOST, env.DOCKER_HOST]) if (v !== undefined && v !== '') return v;
  return 'unix:///run/berth/berth.sock';
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function main(argv: readonly string[], opts: MainOptions): Promise<number> {
  const { stdout, stderr } = opts;
  const fail = (message: string, see: string): number => {
    stderr.write(`berth: ${message}\nSee '${see} --help'.\n`);
    return 125;
  };

  let global: ReturnType<typeof parseArgs>;
  try {
    global = parseArgs(argv, GLOBAL_FLAGS, { stopAtPositional: true });
  } catch (err) {
    if (err instanceof UsageError) return fail(err.message, 'berth');
    throw err;
  }
  if (global.bool('version')) {
    stdout.write(`Berth version ${(await import('./version.ts')).CLI_VERSION}\n`);
    return 0;
  }
  const words = global.args;
  if (words.length === 0) {
    stdout.write((await help()).topHelp());
    return 0;
  }
  if (global.help) return main([...words, '--help'], opts);
  if (words[0] === 'help') {
    if (words.length === 1) {
      stdout.write((await help()).topHelp());
      return 0;
    }
    return main([...words.slice(1), '--help'], opts);
  }

  const found = findCommand(words);
  if (found === undefined) {
    const group = GROUPS.find((g) => g.name === words[0]);
    if (group !== undefined) {
      const sub = words[1];
      if (sub === undefined || sub === '--help' || sub === '-h') {
        stdout.write((await help()).groupHelp(group.name));
        return 0;
      }
      return fail(`unknown command: berth ${group.name} ${sub}`, `berth ${group.name}`);
    }
    return fail(`unknown command: berth ${words[0]}`, 'berth');
  }

  const { entry, used } = found;
  const invocation = `berth ${words.slice(0, used).join(' ')}`;
  const mod = await entry.load();
  const { spec } = mod;
  const report = (err: unknown): number => {
    const { lines, exitCode } = describeError(err, {
      invocation,
      engineErrorExit: spec.engineErrorExit ?? 1,
      prefixEngineErrors: spec.prefixEngineErrors === true,
      debug: global.bool('debug'),
    });
    if (lines.length > 0) stderr.write(`${lines.join('\n')}\n`);
    return exitCode;
  };

  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs(words.slice(used), spec.flags, { stopAtPositional: spec.stopAtPositional });
  } catch (err) {
    return report(err);
  }
  if (parsed.help) {
    stdout.write((await help()).commandHelp(entry, spec, invocation));
    return 0;
  }
  const n = parsed.args.length;
  const plural = (k: number) => (k === 1 ? 'argument' : 'arguments');
  if (spec.minArgs !== undefined && n < spec.minArgs) {
    const what = spec.maxArgs === spec.minArgs ? `exactly ${spec.minArgs}` : `at least ${spec.minArgs}`;
    return report(new UsageError(`'${invocation}' requires ${what} ${plural(spec.minArgs)}`));
  }
  if (spec.maxArgs !== undefined && n > spec.maxArgs) {
    const what =
      spec.maxArgs === 0
        ? 'no arguments'
        : spec.maxArgs === spec.minArgs
          ? `exactly ${spec.maxArgs} ${plural(spec.maxArgs)}`
          : `at most ${spec.maxArgs} ${plural(spec.maxArgs)}`;
    return report(
      new UsageError(spec.maxArgs === 0 ? `'${invocation}' accepts no arguments` : `'${invocation}' requires ${what}`),
    );
  }

  const host = resolveHost(global.string('host'), opts.env);
  let engine: (Engine & { close?(): void }) | undefined;
  const ctx: CommandContext = {
    invocation,
    async engine() {
      if (engine === undefined) {
        const connect =
          opts.connect ??
          (async (h: string) => (await import('../engine/remote/remote-engine.ts')).createRemoteEngine({ host: h }));
        engine = await connect(host);
      }
      return engine;
    },
    stdout,
    stderr,
    // A getter: opts.stdin may be built on first use.
    get stdin() {
      return opts.stdin;
    },
    terminalOut: stdout,
    host: {
      env: (name) => opts.env[name],
      // Not an ES import of node:fs: building its facade loads fs/promises, streams and readline (~10 ms).
      readFile: (path) => process.getBuiltinModule('node:fs').readFileSync(path, 'utf8'),
    },
    now: () => Date.now(),
  };
  try {
    return await mod.handler(ctx, parsed);
  } catch (err) {
    return report(err);
  } finally {
    engine?.close?.();
  }
}
