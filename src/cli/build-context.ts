/**
 * The build context as the docker CLI sends it: the context directory as a
 * tar, with `.dockerignore`'s patterns applied before anything is sent (the
 * Dockerfile and `.dockerignore` are always included). With patterns, the
 * walk and the matching happen here and GNU tar archives the list; without,
 * tar walks the directory itself. tar writes into a temporary file, which is
 * then sent in large pieces (file contents never pass through JavaScript in
 * small pipe reads). A Dockerfile outside the
 * context is added under a generated name, as the docker CLI does.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { dockerignoreMatcher, dockerignorePatterns } from '../lib/dockerignore.ts';
import { CliError } from './errors.ts';

export interface PackedContext {
  /** The tar stream; consuming it to the end waits for tar. */
  stream: AsyncIterable<Uint8Array>;
  /** The Dockerfile's path inside the context, as POST /build's `dockerfile` takes it. */
  dockerfile: string;
  /** Removes temporary files. */
  cleanup(): Promise<void>;
}

/** Lists the context's paths (relative, `/`-separated) that `.dockerignore` keeps, directories before their contents. */
export async function contextPaths(dir: string, ignoreText: string, dockerfile: string): Promise<string[]> {
  const m = dockerignoreMatcher(ignoreText, [dockerfile, '.dockerignore']);
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const entries = await readdir(rel === '' ? dir : join(dir, rel), { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = rel === '' ? e.name : `${rel}/${e.name}`;
      const excluded = m.excludes(p);
      if (e.isDirectory()) {
        if (!excluded) out.push(p);
        // An excluded directory is still walked when an exception could bring something inside back.
        if (!excluded || m.hasExceptions) await walk(p);
      } else if (!excluded) out.push(p);
    }
  };
  await walk('');
  return out;
}

export async function packContext(contextDir: string, dockerfileFlag: string | undefined): Promise<PackedContext> {
  const dir = resolve(contextDir);
  if (!existsSync(dir)) throw new CliError(`unable to prepare context: path "${contextDir}" not found`);
  let dockerfile = 'Dockerfile';
  let outside: string | undefined;
  if (dockerfileFlag !== undefined && dockerfileFlag !== '') {
    const abs = resolve(dockerfileFlag);
    const rel = relative(dir, abs);
    if (rel.startsWith('..') || rel === '' || resolve(dir, rel) !== abs) outside = abs;
    else dockerfile = rel.split(sep).join('/');
  }
  if (outside === undefined && !existsSync(join(dir, dockerfile))) {
    throw new CliError(
      `unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${join(dir, dockerfile)}: no such file or directory`,
    );
  }
  const ignoreText = await readFile(join(dir, '.dockerignore'), 'utf8').catch(() => '');
  let extraDir: string | undefined;
  let extraName: string | undefined;
  if (outside !== undefined) {
    const text = await readFile(outside, 'utf8').catch(() => {
      throw new CliError(`unable to prepare context: the Dockerfile (${outside}) cannot be read`);
    });
    extraDir = await mkdtemp(join(tmpdir(), 'berth-build-'));
    extraName = `.dockerfile.${randomBytes(10).toString('hex')}`;
    await writeFile(join(extraDir, extraName), text);
    // As the docker CLI: the added Dockerfile is listed in .dockerignore, so the builder leaves it out of COPY.
    const sep0 = ignoreText === '' || ignoreText.endsWith('\n') ? '' : '\n';
    await writeFile(join(extraDir, '.dockerignore'), `${ignoreText}${sep0}${extraName}\n`);
    dockerfile = extraName;
  }
  // Without patterns, tar walks the directory itself; with them, it takes the list walked here.
  const patterns = dockerignorePatterns(ignoreText).length > 0;
  let paths = patterns ? await contextPaths(dir, ignoreText, dockerfile) : undefined;
  if (paths && extraDir !== undefined) paths = paths.filter((p) => p !== '.dockerignore');
  const spoolDir = extraDir ?? (await mkdtemp(join(tmpdir(), 'berth-build-')));
  extraDir = spoolDir;
  const spool = join(spoolDir, '.context.tar');
  const args = ['--create', `--file=${spool}`, '--numeric-owner', `--directory=${dir}`];
  if (paths) args.push('--no-recursion', '--null', '--files-from=-');
  else args.push(...(extraName !== undefined ? ['--exclude=./.dockerignore'] : []), '.');
  if (extraName !== undefined) args.push(`--directory=${spoolDir}`, extraName, '.dockerignore');
  // tar writes the archive to a file (page cache), which is then streamed in large pieces:
  // a pipe from tar through Node moves 64 kB at a time and costs several times tar's own work.
  await new Promise<void>((resolvePromise, reject) => {
    const child = spawn('tar', args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    child.stdin.on('error', () => {});
    child.stdin.end(paths && paths.length > 0 ? `${paths.join('\0')}\0` : '');
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 || code === 1
        ? resolvePromise()
        : reject(new CliError(`unable to prepare context: tar: ${stderr.trim() || `exit ${code}`}`)),
    );
  });
  async function* stream(): AsyncGenerator<Uint8Array> {
    for await (const chunk of createReadStream(spool, { highWaterMark: 4 << 20 })) yield chunk as Uint8Array;
  }
  return {
    stream: stream(),
    dockerfile,
    async cleanup() {
      await rm(spoolDir, { recursive: true, force: true });
    },
  };
}
