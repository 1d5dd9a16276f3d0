/**
 * Docker's stdcopy framing, used on attach/exec/logs streams without a TTY:
 * each frame is an 8-byte header [stream, 0, 0, 0, size (uint32 BE)] and
 * `size` bytes of payload. Stream 0 is stdin, 1 stdout, 2 stderr, 3 a
 * systemerr message.
 */
import type { OutputChunk } from '../engine/types.ts';

const HEADER = 8;

export function encodeFrame(chunk: OutputChunk): Uint8Array {
  const out = new Uint8Array(HEADER + chunk.data.byteLength);
  out[0] = chunk.stream === 'stderr' ? 2 : 1;
  new DataView(out.buffer).setUint32(4, chunk.data.byteLength);
  out.set(chunk.data, HEADER);
  return out;
}

/**
 * Incremental decoder: push bytes as they arrive, get whole frames back.
 * A systemerr frame (3) is reported as stderr.
 */
export class FrameDecoder {
  #buf: Uint8Array = new Uint8Array(0);

  push(bytes: Uint8Array): OutputChunk[] {
    this.#buf = this.#buf.byteLength === 0 ? bytes : concat(this.#buf, bytes);
    const out: OutputChunk[] = [];
    while (this.#buf.byteLength >= HEADER) {
      const view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
      const size = view.getUint32(4);
      if (this.#buf.byteLength < HEADER + size) break;
      const kind = this.#buf[0];
      out.push({ stream: kind === 1 ? 'stdout' : 'stderr', data: this.#buf.subarray(HEADER, HEADER + size) });
      this.#buf = this.#buf.subarray(HEADER + size);
    }
    return out;
  }

  /** Bytes of an incomplete frame still held. */
  get pending(): number {
    return this.#buf.byteLength;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.byteLength + b.byteLength);
  out.set(a, 0);
  out.set(b, a.byteLength);
  return out;
}
