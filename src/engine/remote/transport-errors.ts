/**
 * Marks the BerthErrors that report a failure to reach the daemon (or a broken
 * connection) rather than the daemon's answer. Kept apart from the transport so
 * error reporting can ask without loading it (and node:net).
 */
import type { BerthError } from '../../lib/errors.ts';

const transportErrors = new WeakSet<BerthError>();

export function markTransportError(err: BerthError): BerthError {
  transportErrors.add(err);
  return err;
}

/**
 * True when `err` reports that the daemon could not be reached (or the
 * connection broke), rather than an answer from the daemon. The CLI prints
 * daemon answers as "Error response from daemon: …" and these as they are.
 */
export function isTransportError(err: unknown): boolean {
  return typeof err === 'object' && err !== null && transportErrors.has(err as BerthError);
}
