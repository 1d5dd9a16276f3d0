/**
 * A connection to conmon's attach socket: a SOCK_SEQPACKET unix socket in the
 * bundle directory. Each packet from conmon is one byte naming the pipe
 * (2 stdout, 3 stderr) followed by the bytes read from it; bytes written to
 * the socket go to the container's stdin. Closing our write side closes the
 * container's stdin (conmon runs without --leave-stdin-open).
 *
 * Node's `net` has no SOCK_SEQPACKET. The npm binding we tried first lost
 * read wake-ups (output arrived only when the next input was written), so a
 * ~100-line C relay, native/berth-attach.c (built by the set-up into
 * build/berth-attach), holds the socket and speaks plain pipes: frames
 * [pipe][u32 BE length][data] on its stdout, raw stdin bytes in.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { OutputChunk } from '../../engine/types.ts';

export interface AttachConnection {
  /** Output packets until conmon closes the socket (the process ended) or `close`. */
  readonly output: AsyncIterable<OutputChunk>;
  write(data: Uint8Array): void;
  closeStdin(): void;
  close(): void;
}

export const ATTACH_HELPER = fileURLToPath(new URL('../../../build/berth-attach', import.meta.url));

/** Connects to the attach socket at `path`; rejects if the socket cannot be reached. */
export function connectAttach(path: string): Promise<AttachConnection> {
  return new Promise((resolve, reject) => {
    const child = spawn(ATTACH_HELPER, [path], { stdio: ['pipe', 'pipe', 'pipe'] });
    const queue: OutputChunk[] = [];
    let ended = false;
    let connected = false;
    let stdinClosed = false;
    let stderr = '';
    let wake: (() => void) | undefined;
    const notify = () => {
      wake?.();
      wake = undefined;
    };
    const finish = () => {
      ended = true;
      notify();
    };
    let buf: Buffer = Buffer.alloc(0);
    child.stdout.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      while (buf.length >= 5) {
        const len = buf.readUInt32BE(1);
        if (buf.length < 5 + len) break;
        const pipe = buf[0];
        const data = new Uint8Array(buf.subarray(5, 5 + len));
        buf = buf.subarray(5 + len);
        if (pipe === 0) {
          if (!connected) {
            connected = true;
            resolve(conn);
          }
          continue;
        }
        queue.push({ stream: pipe === 3 ? 'stderr' : 'stdout', data });
      }
      notify();
    });
    child.stderr.on('data', (b: Buffer) => {
      stderr += String(b);
    });
    child.stdin.on('error', () => {});
    child.on('error', (err) => {
      if (!connected) reject(err);
      finish();
    });
    child.on('close', () => {
      if (!connected) reject(new Error(stderr.trim() || `cannot attach to ${path}`));
      finish();
    });
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
        if (!ended && !stdinClosed && data.byteLength > 0) child.stdin.write(data);
      },
      closeStdin() {
        if (!ended && !stdinClosed) {
          stdinClosed = true;
          child.stdin.end();
        }
      },
      close() {
        if (!ended) child.kill('SIGKILL');
        finish();
      },
    };
  });
}
