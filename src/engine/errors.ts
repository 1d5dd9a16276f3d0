import { BerthError, type ErrorCode } from '../lib/errors.ts';

/** The one table between error codes and HTTP status codes (Docker's choices). */
const statusByCode: Record<ErrorCode, number> = {
  'not-modified': 304,
  'invalid-argument': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'already-exists': 409,
  internal: 500,
  'not-implemented': 501,
  unavailable: 503,
};

export function httpStatusOf(code: ErrorCode): number {
  return statusByCode[code];
}

/** Maps an HTTP status back to a code; the remote engine uses it on error replies. */
export function codeOfHttpStatus(status: number): ErrorCode {
  switch (status) {
    case 304:
      return 'not-modified';
    case 400:
      return 'invalid-argument';
    case 401:
      return 'unauthorized';
    case 403:
      return 'forbidden';
    case 404:
      return 'not-found';
    case 409:
      return 'conflict';
    case 501:
      return 'not-implemented';
    case 503:
      return 'unavailable';
    default:
      return 'internal';
  }
}

export function errorFromHttp(status: number, message: string): BerthError {
  return new BerthError(codeOfHttpStatus(status), message);
}
