/**
 * The build context on the daemon side. The context tar (plain or gzip, as
 * the client streams it) is spooled to one file while every entry is indexed
 * with the sha256 of its content; the Dockerfile and `.dockerignore` are
 * kept. The files are only unpacked when a COPY or ADD misses the cache, so
 * a fully cached build never writes the context out. A body that is not a
 * tar is taken as the Dockerfile itself (`docker build - < Dockerfile`).
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { run } from '../../host/exec.ts';
import { dockerignoreMatcher } from '../../lib/dockerignore.ts';
import { invalidArgument } from '../../lib/errors.ts';
import { readTar, type TarEntryType } from '../../lib/tar.ts';

/** One context entry, as the cache key sees it (no timestamps). */
export interface ContextEntry {
  type: TarEntryType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  linkname: string;
  /** sha256 hex of a file's content; '' for others. */
  digest: string;
}

export interface BuildContext {
  /** Entries by clean relative path (`a/b`); directories implied by deeper entries are added. */
  readonly entries: ReadonlyMap<string, ContextEntry>;
  /** Text of a file in the context (undefined if absent or not a file). Kept only for small files read at ingest. */
  text(path: string): string | undefined;
  /** The unpacked context directory (unpacked on first call). */
  dir(): Promise<string>;
  /** Deletes the spool and the unpacked files. */
  close(): Promise<void>;
}

/** Cleans a tar or context path to `a/b` form (no leading `./` or `/`, no trailing `/`). */
export function cleanPath(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return parts.join('/');
}

const KEEP_TEXT_MAX = 1 << 20;

/**
 * Spools and indexes a context stream into `workDir` (created; deleted by
 * `close`). `keep` names the files whose text is kept (the Dockerfile,
 * `.dockerignore`).
 */
export async function ingestContext(
  source: AsyncIterable<Uint8Array>,
  workDir: string,
  opts: { keep: (path: string) => boolean; signal?: AbortSignal },
): Promise<BuildContext> {
  await mkdir(workDir, { recursive: true, mode: 0o700 });
  const spool = join(workDir, 'context.tar');
  try {
    await pipeline(Readable.from(source), createWriteStream(spool), { signal: opts.signal });
    const head = Buffer.alloc(512);
    const fh = await open(spool, 'r');
    const { bytesRead } = await fh.read(head, 0, 512, 0);
    await fh.close();
    const gzip = bytesRead >= 2 && head[0] === 0x1f && head[1] === 0x8b;
    const isTar = gzip || (bytesRead === 512 && head.subarray(257, 262).toString() === 'ustar') || bytesRead === 0;
    const texts = new Map<string, string>();
    const entries = new Map<string, ContextEntry>();
    if (!isTar) {
      // A bare Dockerfile.
      const text = (await readAll(createReadStream(spool))).toString('utf8');
      texts.set('Dockerfile', text);
      entries.set('Dockerfile', {
        type: 'file',
        mode: 0o644,
        uid: 0,
        gid: 0,
        size: Buffer.byteLength(text),
        linkname: '',
        digest: createHash('sha256').update(text).digest('hex'),
      });
      await rm(spool);
      return makeContext(workDir, entries, texts, undefined, gzip);
    }
    const read = () => {
      const raw = createReadStream(spool, { highWaterMark: 1 << 20 });
      return gzip ? raw.pipe(createGunzip()) : raw;
    };
    try {
      for await (const { header, body } of readTar(read())) {
        const name = cleanPath(header.name);
        if (name === '') continue;
        const hash = createHash('sha256');
        const keep = header.type === 'file' && header.size <= KEEP_TEXT_MAX && opts.keep(name);
        const chunks: Buffer[] = [];
        for await (const chunk of body) {
          hash.update(chunk);
          if (keep) chunks.push(Buffer.from(chunk));
        }
        if (keep) texts.set(name, Buffer.concat(chunks).toString('utf8'));
        entries.set(name, {
          type: header.type,
          mode: header.mode & 0o7777,
          uid: header.uid,
          gid: header.gid,
          size: header.size,
          linkname: header.linkname,
          digest: header.type === 'file' ? hash.digest('hex') : '',
        });
        for (let i = name.lastIndexOf('/'); i > 0; i = name.lastIndexOf('/', i - 1)) {
          const parent = name.slice(0, i);
          if (entries.has(parent)) break;
          entries.set(parent, { type: 'directory', mode: 0o755, uid: 0, gid: 0, size: 0, linkname: '', digest: '' });
        }
      }
    } catch (err) {
      throw invalidArgument(`the build context is not a valid tar archive: ${(err as Error).message}`);
    }
    // As the classic builder: what `.dockerignore` excludes is not part of the context (the
    // Dockerfile is still read above; a client that added it under another name lists it there).
    const ignore = texts.get('.dockerignore');
    const excluded: string[] = [];
    if (ignore !== undefined) {
      const m = dockerignoreMatcher(ignore);
      for (const name of entries.keys()) if (m.excludes(name)) excluded.push(name);
      for (const name of excluded) entries.delete(name);
    }
    return makeContext(workDir, entries, texts, spool, gzip, excluded);
  } catch (err) {
    await rm(workDir, { recursive: true, force: true });
    throw err;
  }
}

async function readAll(s: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of s) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

function makeContext(
  workDir: string,
  entries: Map<string, ContextEntry>,
  texts: Map<string, string>,
  spool: string | undefined,
  gzip: boolean,
  excluded: string[] = [],
): BuildContext {
  let unpacked: Promise<string> | undefined;
  return {
    entries,
    text: (p) => texts.get(cleanPath(p)),
    dir() {
      unpacked ??= (async () => {
        const dir = join(workDir, 'files');
        await mkdir(dir, { recursive: true, mode: 0o755 });
        if (spool !== undefined) {
          // GNU tar reads the spool itself (no pipe: it may stop before the archive's trailing padding).
          // It strips leading `/`, refuses `..` members and defers symlinks, so nothing lands outside `dir`.
          await run('tar', [
            '--extract',
            `--file=${spool}`,
            ...(gzip ? ['--gzip'] : []),
            `--directory=${dir}`,
            '--numeric-owner',
            '--same-owner',
            '--same-permissions',
            '--no-acls',
            '--no-selinux',
            '--warning=no-unknown-keyword',
            '--warning=no-timestamp',
          ]);
          // Excluded paths go, deepest first; a directory stays when something in it was brought back.
          for (const name of [...excluded].sort((a, b) => b.length - a.length)) {
            const prefix = `${name}/`;
            let keep = false;
            for (const k of entries.keys()) {
              if (k.startsWith(prefix)) {
                keep = true;
                break;
              }
            }
            if (!keep) await rm(join(dir, name), { recursive: true, force: true });
          }
        } else {
          for (const [name, text] of texts) {
            const { writeFile } = await import('node:fs/promises');
            await writeFile(join(dir, name), text);
          }
        }
        return dir;
      })();
      return unpacked;
    },
    async close() {
      await rm(workDir, { recursive: true, force: true });
    },
  };
}
