/**
 * A connection to conmon's attach socket: a SOCK_SEQPACKET unix socket in the
 * bundle directory. Each packet from conmon is one byte naming the pipe
 * (2 stdout, 3 stderr) followed by the bytes read from it; bytes written to
 * the socket go to the container's stdin. Closing our write side closes the
 * container's stdin (conmon runs without --leave-stdin-open).
 *
 * Node's `net` has no SOCK_SEQPACKET, so this module is the one place that
 * uses the node-unix-socket binding.
 */
import { closeSync, openSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { SeqpacketSocket } from 'node-unix-socket';
import type { OutputChunk } from '../../engine/types.ts';

export interface AttachConnection {
  /** Output packets until conmon closes the socket (the process ended) or `close`. */
  readonly output: AsyncIterable<OutputChunk>;
  write(data: Uint8Array): void;
  closeStdin(): void;
  close(): void;
}

const SUN_PATH_MAX = 107;

export function connectAttach(path: string): Promise<AttachConnection> {
  return new Promise((resolve, reject) => {
    const sock = new SeqpacketSocket();
    let dirFd = -1;
    let target = path;
    if (Buffer.byteLength(path) > SUN_PATH_MAX) {
      dirFd = openSync(dirname(path), 'r');
      target = `/proc/self/fd/${dirFd}/${basename(path)}`;
    }
    const queue: OutputChunk[] = [];
    let ended = false;
    let wake: (() => void) | undefined;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    sock.on('data', (buf: Buffer) => {
      if (buf.length < 1) return;
      const pipe = buf[0];
      queue.push({ stream: pipe === 3 ? 'stderr' : 'stdout', data: new Uint8Array(buf.subarray(1)) });
      notify();
    });
    const finish = () => {
      ended = true;
      notify();
    };
    sock.on('end', () => {
      // conmon closed its side: the process's output is over. Close ours so
      // conmon is not kept waiting on us.
      sock.destroy();
      finish();
    });
    sock.on('close', finish);
    sock.on('error', (err: Error) => {
      if (!connected) reject(err);
      finish();
    });
    let connected = false;
    let stdinClosed = false;
    const conn: AttachConnection = {
      output: {
        async *[Symbol.asyncIterator]() {
          for (;;) {
            const next = queue.shift();
            if (next) {
              yield next;
              continue;
            }
            if (ended) return;
            await new Promise<void>((r) => {
              wake = r;
            });
          }
        },
      },
      write(data) {
        if (!ended && !stdinClosed && data.byteLength > 0) sock.write(Buffer.from(data));
      },
      closeStdin() {
        if (!ended && !stdinClosed) {
          stdinClosed = true;
          sock.end();
        }
      },
      close() {
        if (!ended) sock.destroy();
        finish();
      },
    };
    try {
      // A unix-socket connect completes (or throws) synchronously, but the
      // binding reports it (and starts receiving) only when its poll sees the
      // socket writable, which can lag by tens of seconds while conmon has not
      // accepted yet. So start receiving at once and drop its late handler.
      sock.connect(target);
      sock.removeAllListeners('_connect');
      (sock as unknown as { wrap: { startRecv(): void } }).wrap.startRecv();
      connected = true;
      if (dirFd >= 0) closeSync(dirFd);
      resolve(conn);
    } catch (err) {
      if (dirFd >= 0) closeSync(dirFd);
      reject(err);
    }
  });
}
