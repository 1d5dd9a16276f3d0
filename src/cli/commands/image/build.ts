/** `berth build` (`berth image build`): build an image from a Dockerfile, through POST /build (Docker's classic builder API). */
import { constants } from 'node:os';
import { writeFile } from 'node:fs/promises';
import { type ParsedArgs, UsageError } from '../../argv.ts';
import { packContext } from '../../build-context.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { CliError } from '../../errors.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS] PATH | -',
  summary: 'Build an image from a Dockerfile',
  flags: [
    { long: 'add-host', type: 'list', description: 'Add a custom host-to-IP mapping (host:ip)' },
    { long: 'build-arg', type: 'list', description: 'Set build-time variables' },
    { long: 'file', short: 'f', type: 'string', description: "Name of the Dockerfile (default 'PATH/Dockerfile')" },
    { long: 'iidfile', type: 'string', description: 'Write the image ID to the file' },
    { long: 'label', type: 'list', description: 'Set metadata for an image' },
    {
      long: 'network',
      type: 'string',
      description: 'Set the networking mode for the RUN instructions during build',
      default: 'default',
    },
    { long: 'no-cache', type: 'bool', description: 'Do not use cache when building the image' },
    { long: 'platform', type: 'string', description: "Set platform (only this host's)" },
    {
      long: 'progress',
      type: 'string',
      description: 'Set type of progress output (auto, plain, tty)',
      default: 'auto',
    },
    {
      long: 'pull',
      type: 'bool',
      description: 'Always attempt to pull a newer version of the image (berth: local images only)',
    },
    { long: 'quiet', short: 'q', type: 'bool', description: 'Suppress the build output and print image ID on success' },
    {
      long: 'rm',
      type: 'bool',
      description: 'Remove intermediate containers after a successful build (always)',
      hidden: true,
    },
    { long: 'force-rm', type: 'bool', description: 'Always remove intermediate containers', hidden: true },
    { long: 'tag', short: 't', type: 'list', description: 'Name and optionally a tag in the "name:tag" format' },
    { long: 'target', type: 'string', description: 'Set the target build stage to build' },
  ],
  minArgs: 1,
  maxArgs: 1,
};

function pairs(list: string[], what: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list) {
    const i = kv.indexOf('=');
    if (i === 0) throw new UsageError(`invalid ${what} "${kv}"`);
    if (i < 0) out[kv] = '';
    else out[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return out;
}

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const [path] = p.args as [string];
  const progress = p.string('progress') ?? 'auto';
  if (!['auto', 'plain', 'tty'].includes(progress))
    throw new UsageError(`invalid --progress "${progress}": auto, plain or tty`);
  const quiet = p.bool('quiet');
  // --build-arg NAME (no value) takes the value from the environment, as the docker CLI does.
  const buildargs: Record<string, string | null> = {};
  for (const kv of p.list('build-arg')) {
    const i = kv.indexOf('=');
    if (i < 0) buildargs[kv] = process.env[kv] ?? null;
    else buildargs[kv.slice(0, i)] = kv.slice(i + 1);
  }
  let context: AsyncIterable<Uint8Array>;
  let dockerfile = p.string('file');
  let cleanup = async () => {};
  if (path === '-') {
    if (dockerfile === '-')
      throw new UsageError("invalid argument: can't use stdin for both build context and dockerfile");
    context = ctx.stdin;
  } else {
    let fileFlag = dockerfile;
    let tmpDockerfile: string | undefined;
    if (dockerfile === '-') {
      // The Dockerfile from stdin, the context from PATH.
      const chunks: Buffer[] = [];
      for await (const c of ctx.stdin) chunks.push(Buffer.from(c as Uint8Array));
      const { mkdtemp } = await import('node:fs/promises');
      const { tmpdir } = await import('node:os');
      const { join } = await import('node:path');
      const dir = await mkdtemp(join(tmpdir(), 'berth-df-'));
      tmpDockerfile = join(dir, 'Dockerfile');
      await writeFile(tmpDockerfile, Buffer.concat(chunks));
      fileFlag = tmpDockerfile;
    }
    const packed = await packContext(path, fileFlag);
    context = packed.stream;
    dockerfile = packed.dockerfile;
    cleanup = async () => {
      await packed.cleanup();
      if (tmpDockerfile) {
        const { rm } = await import('node:fs/promises');
        const { dirname } = await import('node:path');
        await rm(dirname(tmpDockerfile), { recursive: true, force: true });
      }
    };
  }
  // Interrupted (Ctrl-C, a killed terminal): the spooled context must not stay in /tmp.
  const onSignal = (sig: NodeJS.Signals): void => {
    void cleanup().finally(() => process.exit(128 + (constants.signals[sig] ?? 2)));
  };
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  for (const s of signals) process.once(s, onSignal);
  const engine = await ctx.engine();
  let imageId: string | undefined;
  let error: string | undefined;
  try {
    const target = p.string('target');
    const network = p.string('network');
    const platform = p.string('platform');
    const messages = await engine.build.build(context, {
      ...(dockerfile ? { dockerfile } : {}),
      t: p.list('tag'),
      buildargs,
      ...(target ? { target } : {}),
      nocache: p.bool('no-cache'),
      labels: pairs(p.list('label'), 'label'),
      q: quiet,
      pull: p.bool('pull'),
      ...(network && network !== 'default' ? { networkmode: network } : {}),
      extrahosts: p.list('add-host'),
      ...(platform ? { platform } : {}),
    });
    for await (const m of messages) {
      if (m.errorDetail || m.error) {
        error = m.errorDetail?.message ?? m.error;
        break;
      }
      if (m.aux?.ID) imageId = m.aux.ID;
      if (m.stream !== undefined && !quiet) ctx.stdout.write(m.stream);
    }
  } finally {
    for (const s of signals) process.off(s, onSignal);
    await cleanup();
  }
  if (error !== undefined) throw new CliError(error);
  if (imageId === undefined) throw new CliError('the build ended without an image ID');
  if (quiet) ctx.stdout.write(`${imageId}\n`);
  const iidfile = p.string('iidfile');
  if (iidfile) await writeFile(iidfile, imageId);
  return 0;
}
