/**
 * Byte streams from the daemon as the Engine's stream types: stdcopy frames
 * (or raw bytes with a TTY) as OutputChunks, and a hijacked connection as an
 * IoSession.
 */
import type { Duplex, Readable } from 'node:stream';
import { FrameDecoder } from '../../lib/stdcopy.ts';
import type { IoSession, OutputChunk, OutputStream } from '../types.ts';
import { streamError } from './transport.ts';

/** Where chunks come from: bytes already read (`head`) then the rest of `source`. */
export interface ChunkSource {
  source: Readable;
  head?: Uint8Array;
  /** Raw bytes, all 'stdout', instead of stdcopy frames. */
  tty: boolean;
  /** True once the reader gave up on purpose: errors from then on end the stream quietly. */
  stopped?: () => boolean;
}

/** Decodes a daemon stream into OutputChunks; ends when the source ends. */
export async function* decodeChunks(src: ChunkSource): AsyncGenerator<OutputChunk> {
  const decoder = src.tty ? undefined : new FrameDecoder();
  const chunks = (bytes: Uint8Array): OutputChunk[] =>
    decoder === undefined ? [{ stream: 'stdout', data: bytes }] : decoder.push(bytes);
  if (src.head !== undefined && src.head.byteLength > 0) yield* chunks(src.head);
  try {
    for await (const bytes of src.source) yield* chunks(bytes as Uint8Array);
  } catch (err) {
    if (src.stopped?.() === true || isBenignEnd(err)) return;
    throw streamError(err, 'error reading from the daemon');
  }
}

/** Errors that only mean the peer went away: the stream ends there. */
function isBenignEnd(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'ECONNRESET' || code === 'EPIPE' || code === 'ERR_STREAM_PREMATURE_CLOSE';
}

/** An OutputStream over a response body (logs). */
export function outputStream(opts: { source: Readable; tty: boolean; signal?: AbortSignal }): OutputStream {
  const stopped = () => opts.signal?.aborted === true;
  return { tty: opts.tty, output: decodeChunks({ source: opts.source, tty: opts.tty, stopped }) };
}

/** Options for {@link ioSession}. */
export interface IoSessionOptions {
  /** The connection: writes go here. */
  socket: Duplex;
  /** Where output is read from: the socket itself, or a response body on it. */
  output: Readable;
  head: Uint8Array;
  tty: boolean;
}

/**
 * An IoSession over a hijacked connection. `write` feeds stdin, `closeStdin`
 * half-closes the connection (the daemon sees EOF on stdin and goes on
 * sending output), `close` drops the connection (output ends quietly).
 */
export function ioSession(opts: IoSessionOptions): IoSession {
  let closed = false;
  const { socket } = opts;
  // Errors are reported through `output`; without a listener they would crash the process.
  socket.on('error', () => {});
  const output = decodeChunks({ source: opts.output, head: opts.head, tty: opts.tty, stopped: () => closed });
  return {
    tty: opts.tty,
    output,
    write(data) {
      if (!closed && socket.writable) socket.write(data);
    },
    closeStdin() {
      if (!closed && socket.writable) socket.end();
    },
    close() {
      if (closed) return;
      closed = true;
      socket.destroy();
      if (opts.output !== socket) opts.output.destroy();
    },
  };
}

/** A stream of JSON values, one a line (GET /events); ends when the source ends, quietly if the peer went away. */
export async function* jsonLines<T>(source: Readable): AsyncGenerator<T> {
  let rest = '';
  const decoder = new TextDecoder();
  try {
    for await (const bytes of source) {
      rest += decoder.decode(bytes as Uint8Array, { stream: true });
      let nl = rest.indexOf('\n');
      while (nl >= 0) {
        const line = rest.slice(0, nl).trim();
        rest = rest.slice(nl + 1);
        if (line !== '') yield JSON.parse(line) as T;
        nl = rest.indexOf('\n');
      }
    }
  } catch (err) {
    if (isBenignEnd(err)) return;
    throw streamError(err, 'error reading from the daemon');
  } finally {
    source.destroy();
  }
  if (rest.trim() !== '') yield JSON.parse(rest) as T;
}
