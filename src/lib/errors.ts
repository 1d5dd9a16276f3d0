/**
 * The one error type that crosses module boundaries. Its `code` is a closed set;
 * src/engine/errors.ts maps codes to HTTP status and back in one table. Callers
 * branch on `code` (see {@link isCode}), never on message text. Messages that
 * Docker clients parse keep Docker's wording ("No such container: x").
 */
export type ErrorCode =
  | 'not-found'
  | 'already-exists'
  | 'invalid-argument'
  | 'conflict'
  | 'not-modified'
  | 'unauthorized'
  | 'forbidden'
  | 'not-implemented'
  | 'unavailable'
  | 'internal';

export interface BerthErrorOptions {
  /** One line telling the user what to do about it. */
  hint?: string;
  cause?: unknown;
}

export class BerthError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, opts: BerthErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'BerthError';
    this.code = code;
    this.hint = opts.hint;
  }
}

export function isCode(err: unknown, code: ErrorCode): err is BerthError {
  return err instanceof BerthError && err.code === code;
}

export const notFound = (message: string, opts?: BerthErrorOptions): BerthError =>
  new BerthError('not-found', message, opts);
export const invalidArgument = (message: string, opts?: BerthErrorOptions): BerthError =>
  new BerthError('invalid-argument', message, opts);
export const conflict = (message: string, opts?: BerthErrorOptions): BerthError =>
  new BerthError('conflict', message, opts);
export const internal = (message: string, opts?: BerthErrorOptions): BerthError =>
  new BerthError('internal', message, opts);

/** Wraps anything thrown into a BerthError, keeping BerthErrors as they are. */
export function toBerthError(err: unknown): BerthError {
  if (err instanceof BerthError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new BerthError('internal', message, { cause: err });
}
