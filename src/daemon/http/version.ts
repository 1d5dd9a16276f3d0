/**
 * API versions berthd serves, and Docker's rules for the `/v1.NN/` path prefix:
 * requests without a prefix are served at the current version; a prefix above
 * the current or below the minimum is refused with Docker's wording (400).
 */
import { invalidArgument } from '../../lib/errors.ts';
import { API_VERSION, BERTH_VERSION, MIN_API_VERSION } from '../../engine/version.ts';

export { API_VERSION, BERTH_VERSION, MIN_API_VERSION } from '../../engine/version.ts';

const prefix = /^\/v([0-9][0-9.]*)(\/.*)$/;

/** Splits `/v1.45/containers/json` into its version and the unversioned path; `version` is undefined without a prefix. */
export function splitVersion(path: string): { version: string | undefined; path: string } {
  const m = prefix.exec(path);
  if (!m) return { version: undefined, path };
  return { version: m[1], path: m[2]! };
}

/** Compares dotted versions numerically segment by segment, as Docker's `versions.compare`. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  const n = Math.max(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const x = Number.parseInt(pa[i] ?? '0', 10) || 0;
    const y = Number.parseInt(pb[i] ?? '0', 10) || 0;
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

/** Returns the effective API version of a request, or throws 'invalid-argument' as Docker does. */
export function negotiateVersion(requested: string | undefined): string {
  if (requested === undefined || requested === '') return API_VERSION;
  if (compareVersions(requested, MIN_API_VERSION) < 0) {
    throw invalidArgument(
      `client version ${requested} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`,
    );
  }
  if (compareVersions(requested, API_VERSION) > 0) {
    throw invalidArgument(`client version ${requested} is too new. Maximum supported API version is ${API_VERSION}`);
  }
  return requested;
}

/** Headers Docker sends on every response. */
export function commonHeaders(): Record<string, string> {
  return {
    'Api-Version': API_VERSION,
    'Docker-Experimental': 'false',
    Ostype: 'linux',
    Server: `berth/${BERTH_VERSION} (linux)`,
  };
}
