/**
 * IoSessions over attach connections: a closed one, one that buffers input
 * until the task starts, and the filtering of streams and end of input that
 * Docker's attach options ask for.
 */
import type { IoSession, OutputStream } from '../types.ts';
import type { AttachConnection } from '../../core/runtime/attach.ts';

export function closedConnection(): AttachConnection {
  return {
    output: (async function* () {})(),
    write() {},
    closeStdin() {},
    close() {},
  };
}

/** A connection that buffers stdin until the real one is connected at start. */
export function deferredConnection(): { conn: AttachConnection; connect: (c: AttachConnection) => void } {
  let real: AttachConnection | undefined;
  let ready!: (c: AttachConnection) => void;
  const whenReady = new Promise<AttachConnection>((r) => {
    ready = r;
  });
  const queued: Uint8Array[] = [];
  let stdinClosed = false;
  let closed = false;
  const conn: AttachConnection = {
    output: (async function* () {
      const c = await whenReady;
      yield* c.output;
    })(),
    write(data) {
      if (real) real.write(data);
      else queued.push(data);
    },
    closeStdin() {
      if (real) real.closeStdin();
      else stdinClosed = true;
    },
    close() {
      closed = true;
      real?.close();
      if (!real) ready(closedConnection());
    },
  };
  return {
    conn,
    connect(c) {
      if (closed) {
        c.close();
        return;
      }
      real = c;
      for (const d of queued) c.write(d);
      if (stdinClosed) c.closeStdin();
      ready(c);
    },
  };
}

export function sessionFrom(
  conn: AttachConnection,
  o: {
    tty: boolean;
    wantOut: boolean;
    wantErr: boolean;
    stdin: boolean;
    /**
     * Whether the client's end of input is the process's (Docker's StdinOnce;
     * exec sessions always). Otherwise, as Docker does, the client's EOF ends
     * this session and the process's stdin stays open for the next one.
     */
    stdinOnce?: boolean;
    replay?: OutputStream;
  },
): IoSession {
  const output = (async function* () {
    if (o.replay) yield* o.replay.output;
    for await (const chunk of conn.output) {
      if (chunk.stream === 'stdout' && !o.wantOut) continue;
      if (chunk.stream === 'stderr' && !o.wantErr) continue;
      yield chunk;
    }
  })();
  return {
    tty: o.tty,
    output,
    write: (d) => {
      if (o.stdin) conn.write(d);
    },
    closeStdin: () => {
      if (!o.stdin) return;
      if (o.stdinOnce === false) conn.close();
      else conn.closeStdin();
    },
    close: () => conn.close(),
  };
}
