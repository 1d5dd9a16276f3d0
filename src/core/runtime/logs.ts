/**
 * Reading container logs as conmon writes them (the k8s-file format): one
 * line per record, `<RFC3339Nano time> <stdout|stderr> <P|F> <bytes>`, where
 * P marks a partial line continued by the next record and F a full line.
 */
import { watch } from 'node:fs';
import { type FileHandle, link, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';

export interface LogRecord {
  /** As written by conmon, e.g. 2026-11-22T06:16:21.892216798+00:00. */
  time: string;
  /** Milliseconds since the epoch, for filtering. */
  ms: number;
  stream: 'stdout' | 'stderr';
  /** The content, with '\n' restored for full lines. */
  data: string;
}

/** Parses one k8s-file line; undefined for a malformed one. */
export function parseLogLine(line: string): LogRecord | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0) return undefined;
  const time = line.slice(0, a);
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const tag = c < 0 ? line.slice(b + 1) : line.slice(b + 1, c);
  const content = c < 0 ? '' : line.slice(c + 1);
  const ms = Date.parse(time);
  return { time, ms: Number.isNaN(ms) ? 0 : ms, stream, data: tag.startsWith('P') ? content : `${content}\n` };
}

/** Docker's RFC3339Nano rendering in UTC (trailing zeros of the fraction dropped). */
export function toRfc3339Nano(time: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?([+-]\d\d:\d\d|Z)$/.exec(time);
  if (!m) return time;
  const [, base, frac = '', zone] = m;
  if (zone === 'Z' || zone === '+00:00') {
    const f = frac.replace(/0+$/, '');
    return `${base}${f ? `.${f}` : ''}Z`;
  }
  const d = new Date(`${base}${zone}`);
  const f = frac.replace(/0+$/, '');
  return `${d.toISOString().slice(0, 19)}${f ? `.${f}` : ''}Z`;
}

export interface ReadLogOptions {
  follow: boolean;
  /** Resolves when the writer is done (the task exited); following stops after draining. */
  done: Promise<void>;
  signal?: AbortSignal;
}

/**
 * Yields records from a k8s-file log. Without `follow`, reads what is there;
 * with it, keeps reading as the file grows until `done` settles (then drains).
 */
export async function* readLog(path: string, opts: ReadLogOptions, opened?: FileHandle): AsyncGenerator<LogRecord> {
  let fh: FileHandle;
  try {
    fh = opened ?? (await open(path, 'r'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !opts.follow) return;
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    await Promise.race([opts.done, waitAbort(opts.signal)]);
    fh = await open(path, 'r').catch(() => undefined as never);
    if (!fh) return;
  }
  let finished = false;
  void opts.done.then(() => {
    finished = true;
  });
  // The directory, not the file: a watch on the file goes deaf when conmon replaces it.
  const watcher = opts.follow ? watch(dirname(path)) : undefined;
  let changed: (() => void) | undefined;
  watcher?.on('change', (_e, name) => {
    if (name === null || String(name).startsWith(basename(path))) changed?.();
  });
  watcher?.on('error', () => changed?.());
  try {
    let pos = 0;
    let rest = '';
    let finalPass = false;
    let drained = false;
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead > 0) {
        drained = false;
        pos += bytesRead;
        rest += buf.toString('utf8', 0, bytesRead);
        const lines = rest.split('\n');
        rest = lines.pop() ?? '';
        for (const line of lines) {
          const rec = parseLogLine(line);
          if (rec) yield rec;
        }
        continue;
      }
      if (!opts.follow || opts.signal?.aborted) return;
      // conmon replaced the file (its size cap): what we hold is drained; go on in the new one.
      const live = await inode(path);
      if (live !== undefined && live.ino !== (await fh.stat()).ino) {
        if (!drained) {
          drained = true;
          continue;
        }
        const next = await open(path, 'r').catch(() => undefined);
        if (next) {
          await fh.close();
          fh = next;
          pos = 0;
          drained = false;
          continue;
        }
      }
      if (finished) {
        // The writer is done: one more read picks up its last bytes, then stop.
        if (finalPass) return;
        finalPass = true;
        continue;
      }
      await new Promise<void>((resolve) => {
        changed = resolve;
        void opts.done.then(() => resolve());
        opts.signal?.addEventListener('abort', () => resolve(), { once: true });
        setTimeout(resolve, 1000).unref();
      });
      changed = undefined;
    }
  } finally {
    watcher?.close();
    await fh.close();
  }
}

function waitAbort(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (!signal) return;
    if (signal.aborted) resolve();
    signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

// ---- rotation ---------------------------------------------------------------------
//
// berth rotates a container's log itself: when the live file reaches max-size
// it renames it to `<log>.1` (`.1` → `.2` …, dropping those past max-file) and
// asks conmon to reopen its log (a message on its control fifo), so nothing
// is lost: conmon writes on in the renamed file until it reopens. It runs when
// the container directory reports a write, and before every read.
//
// conmon has its own cap too (set above max-size, for when berthd is away):
// past it conmon writes a fresh file and renames it over the log. berth keeps
// a hard link `<log>.current` to the file conmon writes, so a file replaced
// that way survives under the link and is shifted in like any other.

async function inode(path: string): Promise<{ ino: number; size: number } | undefined> {
  try {
    const st = await stat(path);
    return { ino: st.ino, size: st.size };
  } catch {
    return undefined;
  }
}

/** How a log is rotated. */
export interface RotateOptions {
  /** Files kept, the live one included (Docker's max-file). */
  maxFiles: number;
  /** Rotate once the live file reaches this many bytes; 0 = never. */
  maxSize: number;
  /** Makes the writer reopen the log path (conmon's control fifo). */
  reopen: () => Promise<void>;
}

/**
 * Rotates a log if it is due (see above); one rotation of a log at a time,
 * and a burst of calls while one runs makes one more run, not many.
 */
export function rotateLog(path: string, opts: RotateOptions): Promise<void> {
  const state = rotations.get(path);
  if (state?.queued) return state.queued;
  const prev = state?.running ?? Promise.resolve();
  const next = prev.then(() => {
    const s = rotations.get(path);
    if (s) s.queued = undefined;
    return rotateNow(path, opts);
  });
  const entry = { running: next.catch(() => {}), queued: next as Promise<void> | undefined };
  rotations.set(path, entry);
  void entry.running.then(() => {
    if (rotations.get(path) === entry) rotations.delete(path);
  });
  return next;
}

const rotations = new Map<string, { running: Promise<void>; queued: Promise<void> | undefined }>();

/** Renames `.1` … `.keep-1` one up (dropping `.keep`), then `from` to `.1`; with keep 0, removes `from`. */
async function shift(path: string, from: string, maxFiles: number): Promise<void> {
  const keep = Math.max(0, maxFiles - 1);
  if (keep === 0) return rm(from, { force: true });
  await rm(`${path}.${keep}`, { force: true });
  for (let i = keep - 1; i >= 1; i--) await rename(`${path}.${i}`, `${path}.${i + 1}`).catch(() => {});
  await rename(from, `${path}.1`);
}

async function rotateNow(path: string, opts: RotateOptions): Promise<void> {
  const current = `${path}.current`;
  const [live, held] = await Promise.all([inode(path), inode(current)]);
  if (live === undefined) return;
  if (held !== undefined && held.ino !== live.ino) {
    // conmon replaced the file itself: the old one lives on under the link.
    await shift(path, current, opts.maxFiles);
  } else if (opts.maxSize > 0 && live.size >= opts.maxSize) {
    await rm(current, { force: true });
    await shift(path, path, opts.maxFiles);
    await opts.reopen();
    return;
  } else if (held !== undefined) {
    return;
  }
  await link(path, current).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST' && err.code !== 'ENOENT') throw err;
  });
}

/** The rotated files of a log, oldest first (`.N` … `.1`, then a replaced file not yet shifted). */
export async function rotatedLogs(path: string): Promise<string[]> {
  const dir = dirname(path);
  const base = basename(path);
  const names = await readdir(dir).catch(() => [] as string[]);
  const numbered = names
    .map((n) => (n.startsWith(`${base}.`) ? Number(n.slice(base.length + 1)) : Number.NaN))
    .filter((n) => Number.isInteger(n) && n > 0)
    .sort((a, b) => b - a)
    .map((n) => `${path}.${n}`);
  const [live, held] = await Promise.all([inode(path), inode(`${path}.current`)]);
  if (held !== undefined && held.ino !== live?.ino) numbered.push(`${path}.current`);
  return numbered;
}

/** Records of a log and its rotated files, oldest first; following (if asked) goes on in the live file. */
export async function* readLogs(path: string, opts: ReadLogOptions): AsyncGenerator<LogRecord> {
  // Every file is opened between two rotations: a rotation while reading then moves names, not what is read.
  const files = await betweenRotations(path, async () => {
    const out: { path: string; fh: FileHandle }[] = [];
    for (const f of [...(await rotatedLogs(path)), path]) {
      const fh = await open(f, 'r').catch(() => undefined);
      if (fh) out.push({ path: f, fh });
    }
    return out;
  });
  const live = files.at(-1)?.path === path ? files.pop() : undefined;
  try {
    for (const f of files) yield* readLog(f.path, { ...opts, follow: false }, f.fh);
  } finally {
    for (const f of files) await f.fh.close().catch(() => {});
  }
  yield* readLog(path, opts, live?.fh);
}

/** Runs `fn` when no rotation of the log runs, and keeps rotations out until it is done. */
function betweenRotations<T>(path: string, fn: () => Promise<T>): Promise<T> {
  const prev = rotations.get(path)?.running ?? Promise.resolve();
  const result = prev.then(fn);
  const entry = {
    running: result.then(
      () => {},
      () => {},
    ),
    queued: undefined,
  };
  rotations.set(path, entry);
  void entry.running.then(() => {
    if (rotations.get(path) === entry) rotations.delete(path);
  });
  return result;
}

/** Settles when no rotation of the log runs or waits (call after the writer and the watch are gone). */
export async function rotationsIdle(path: string): Promise<void> {
  for (let e = rotations.get(path); e !== undefined; e = rotations.get(path)) {
    await e.running;
    await e.queued?.catch(() => {});
    if (rotations.get(path) === e) return;
  }
}

/** Removes a log and everything rotation made of it. */
export async function removeLogs(path: string): Promise<void> {
  await Promise.all([path, `${path}.current`, ...(await rotatedLogs(path))].map((f) => rm(f, { force: true })));
}
