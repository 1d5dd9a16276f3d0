/**
 * The local terminal wired to a container's stdio (attach, run, exec) the way
 * the docker CLI's hijacked-stream pump does it: stdin → session (half-closed
 * at EOF), session → stdout/stderr, raw mode with a TTY, the detach sequence
 * (ctrl-p ctrl-q) recognised in the input, and the window size kept in sync.
 */
import type { IoSession } from '../engine/types.ts';
import { UsageError } from './argv.ts';

/** Docker's default detach sequence: ctrl-p, ctrl-q. */
export const DEFAULT_DETACH_KEYS = 'ctrl-p,ctrl-q';

/** Parses a detach sequence (`ctrl-p,ctrl-q`, `ctrl-a,x`) to bytes, as Docker's term.ToBytes. */
export function parseDetachKeys(keys: string): Uint8Array {
  const out: number[] = [];
  for (const key of keys.split(',')) {
    const k = key.trim();
    if (k.length > 1 && !k.startsWith('ctrl-')) throw new UsageError(`Unknown character: '${k}'`);
    if (k.length === 1) {
      out.push(k.charCodeAt(0));
      continue;
    }
    const c = k.slice('ctrl-'.length);
    if (c.length !== 1) throw new UsageError(`Unknown character: '${k}'`);
    const code = c.toLowerCase().charCodeAt(0);
    if (code >= 97 && code <= 122) out.push(code - 96);
    else if (c === '@') out.push(0);
    else if (c === '[') out.push(27);
    else if (c === '\\') out.push(28);
    else if (c === ']') out.push(29);
    else if (c === '^') out.push(30);
    else if (c === '_') out.push(31);
    else throw new UsageError(`Unknown character: '${k}'`);
  }
  if (out.length === 0) throw new UsageError('Invalid escape keys');
  return new Uint8Array(out);
}

/**
 * Finds a key sequence in a byte stream split anywhere. Bytes that might
 * begin the sequence are held back until it is clear they do not; on a full
 * match `detached` is true and the sequence is swallowed.
 */
export function escapeScanner(keys: Uint8Array): (chunk: Uint8Array) => { pass: Uint8Array; detached: boolean } {
  let matched = 0;
  return (chunk) => {
    const pass: number[] = [];
    for (const b of chunk) {
      if (b === keys[matched]) {
        matched++;
        if (matched === keys.length) return { pass: new Uint8Array(pass), detached: true };
        continue;
      }
      if (matched > 0) {
        pass.push(...keys.subarray(0, matched));
        matched = 0;
        if (b === keys[0]) {
          matched = 1;
          if (matched === keys.length) return { pass: new Uint8Array(pass), detached: true };
          continue;
        }
      }
      pass.push(b);
    }
    return { pass: new Uint8Array(pass), detached: false };
  };
}

/** A writable destination that may push back. */
interface Sink {
  write(data: Uint8Array): boolean;
  once(event: 'drain', listener: () => void): unknown;
}

/** Options of {@link pumpSession}. */
export interface PumpOptions {
  session: IoSession;
  /** Given when stdin is attached. */
  stdin?: NodeJS.ReadStream;
  stdout: Sink;
  stderr: Sink;
  /** The terminal to put in raw mode while attached (with a TTY session and a terminal stdin). */
  raw: boolean;
  /** The detach sequence; recognised only when stdin is attached with a TTY. */
  detachKeys?: Uint8Array;
}

/**
 * Pumps until the output ends (or, with no output, stdin ends), or the user
 * types the detach sequence. Returns how it ended; the terminal mode is
 * restored either way.
 */
export async function pumpSession(opts: PumpOptions): Promise<'ended' | 'detached'> {
  const { session, stdin } = opts;
  let detached = false;
  let inputDone: () => void = () => {};
  const inputEnded = new Promise<void>((resolve) => {
    inputDone = resolve;
  });
  const rawTerminal = opts.raw && stdin?.isTTY === true;
  if (rawTerminal) stdin!.setRawMode(true);
  const scan = opts.detachKeys === undefined ? undefined : escapeScanner(opts.detachKeys);

  const onData = (chunk: Buffer) => {
    if (scan === undefined) {
      session.write(chunk);
      return;
    }
    const r = scan(chunk);
    if (r.pass.byteLength > 0) session.write(r.pass);
    if (r.detached) {
      detached = true;
      session.close();
      inputDone();
    }
  };
  const onEnd = () => {
    session.closeStdin();
    inputDone();
  };
  if (stdin !== undefined) {
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.resume();
  } else {
    // Nothing to send: half-close at once, as the docker CLI does.
    session.closeStdin();
  }

  const output = (async () => {
    for await (const chunk of session.output) {
      const sink = chunk.stream === 'stderr' ? opts.stderr : opts.stdout;
      if (!sink.write(chunk.data)) await new Promise<void>((r) => sink.once('drain', r));
    }
  })();

  try {
    if (stdin !== undefined) await Promise.race([output, inputEnded]);
    // After a detach the session is closed and its output ends; any error it reports is moot.
    if (detached) await output.catch(() => {});
    else await output;
  } finally {
    if (stdin !== undefined) {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.pause();
    }
    if (rawTerminal) stdin!.setRawMode(false);
  }
  return detached ? 'detached' : 'ended';
}

/**
 * Sends the terminal's size now and on every change (SIGWINCH); returns a
 * function that stops. Failures are ignored: a container that just exited
 * cannot be resized.
 */
export function monitorTtySize(
  out: NodeJS.WriteStream,
  resize: (size: { h: number; w: number }) => Promise<void>,
): () => void {
  if (out.isTTY !== true) return () => {};
  const send = () => {
    const [w, h] = out.getWindowSize();
    resize({ h, w }).catch(() => {});
  };
  send();
  out.on('resize', send);
  return () => out.off('resize', send);
}
