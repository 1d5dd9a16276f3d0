/**
 * Reading container logs as conmon writes them (the k8s-file format): one
 * line per record, `<RFC3339Nano time> <stdout|stderr> <P|F> <bytes>`, where
 * P marks a partial line continued by the next record and F a full line.
 */
import { watch } from 'node:fs';
import { open } from 'node:fs/promises';

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
export async function* readLog(path: string, opts: ReadLogOptions): AsyncGenerator<LogRecord> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(path, 'r');
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
  const watcher = opts.follow ? watch(path) : undefined;
  let changed: (() => void) | undefined;
  watcher?.on('change', () => changed?.());
  watcher?.on('error', () => changed?.());
  try {
    let pos = 0;
    let rest = '';
    let finalPass = false;
    const buf = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, pos);
      if (bytesRead > 0) {
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
