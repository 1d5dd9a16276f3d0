/**
 * Image references in Docker's grammar (github.com/distribution/reference):
 *
 *   reference := name [ ":" tag ] [ "@" digest ]
 *   name      := [domain "/"] path-component ["/" path-component]*
 *   domain    := host [":" port]
 *
 * A *normalised* reference spells out what Docker leaves implicit:
 * `busybox` → domain `docker.io`, path `library/busybox`; `index.docker.io`
 * becomes `docker.io`. The *canonical string* is `domain/path[:tag][@digest]`
 * (e.g. `docker.io/library/busybox:latest`) and is what berth stores; the
 * *familiar string* drops `docker.io/` and `library/` the way the docker CLI
 * shows names (`busybox:latest`). Errors carry Docker's messages.
 */
import { invalidArgument } from '../lib/errors.ts';

export const DEFAULT_DOMAIN = 'docker.io';
const LEGACY_DEFAULT_DOMAIN = 'index.docker.io';
const OFFICIAL_REPO_PREFIX = 'library/';
export const DEFAULT_TAG = 'latest';
const NAME_TOTAL_LENGTH_MAX = 255;

// Grammar pieces, as in distribution/reference regexp.go.
const alphanumeric = '[a-z0-9]+';
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const host = `(?:${domainName}|${ipv6address})`;
const domainAndPort = `${host}(?::[0-9]+)?`;
const tagPat = '[\\w][\\w.-]{0,127}';
const digestPat = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9a-fA-F]{32,}';
const remoteName = `${pathComponent}(?:/${pathComponent})*`;
const namePat = `(?:${domainAndPort}/)?${remoteName}`;

const REFERENCE_RE = new RegExp(`^(${namePat})(?::(${tagPat}))?(?:@(${digestPat}))?$`);
const DOMAIN_RE = new RegExp(`^${domainAndPort}$`);
const TAG_RE = new RegExp(`^${tagPat}$`);
const IDENTIFIER_RE = /^[a-f0-9]{64}$/;
const SHA256_DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

/** A parsed, normalised reference. At most one of tag/digest may be absent; both may be present. */
export interface ImageReference {
  /** Registry host[:port], e.g. `docker.io`, `localhost:5000`. */
  domain: string;
  /** Repository path, e.g. `library/busybox`, `a/b`. */
  path: string;
  tag?: string;
  digest?: string;
}

/**
 * Parses `s` and normalises it (Docker's ParseNormalizedNamed): adds the default
 * domain and `library/`, but no default tag. Throws 'invalid-argument' with
 * Docker's messages.
 */
export function parseReference(s: string): ImageReference {
  if (IDENTIFIER_RE.test(s)) {
    throw invalidArgument(`invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`);
  }
  const { domain, remainder } = splitDockerDomain(s);
  const tagSep = remainder.indexOf(':');
  const remote = tagSep > -1 ? remainder.slice(0, tagSep) : remainder;
  if (remote.toLowerCase() !== remote) {
    throw invalidArgument(`invalid reference format: repository name (${remote}) must be lowercase`);
  }
  const full = `${domain}/${remainder}`;
  const m = REFERENCE_RE.exec(full);
  if (!m) {
    if (s === '') throw invalidArgument('invalid reference format: repository name must have at least one component');
    if (REFERENCE_RE.test(full.toLowerCase())) {
      throw invalidArgument('invalid reference format: repository name must be lowercase');
    }
    throw invalidArgument('invalid reference format');
  }
  const name = m[1]!;
  if (name.length > NAME_TOTAL_LENGTH_MAX) {
    throw invalidArgument(
      `invalid reference format: repository name must not be more than ${NAME_TOTAL_LENGTH_MAX} characters`,
    );
  }
  const ref: ImageReference = { domain, path: name.slice(domain.length + 1) };
  if (m[2] !== undefined) ref.tag = m[2];
  if (m[3] !== undefined) {
    if (!SHA256_DIGEST_RE.test(m[3])) {
      throw invalidArgument(m[3].startsWith('sha256:') ? 'invalid digest format' : 'unsupported digest algorithm');
    }
    ref.digest = m[3];
  }
  return ref;
}

/**
 * Parses as Docker's daemon does for a name that must end up tagged or digested
 * (ParseDockerRef): normalises, adds `:latest` when there is neither tag nor
 * digest, and drops the tag when both are given.
 */
export function parseDockerRef(s: string): ImageReference {
  const ref = parseReference(s);
  if (ref.digest !== undefined) return { domain: ref.domain, path: ref.path, digest: ref.digest };
  if (ref.tag === undefined) return { ...ref, tag: DEFAULT_TAG };
  return ref;
}

/** Validates a tag on its own (`docker tag img repo:TAG`). */
export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

/** True when `s` could be a registry domain (used to tell `host/x` from `user/x`). */
export function isValidDomain(s: string): boolean {
  return DOMAIN_RE.test(s);
}

/** `domain/path`: the repository a reference belongs to. */
export function repositoryName(ref: ImageReference): string {
  return `${ref.domain}/${ref.path}`;
}

/** The canonical string: `domain/path[:tag][@digest]`. */
export function formatReference(ref: ImageReference): string {
  let s = repositoryName(ref);
  if (ref.tag !== undefined) s += `:${ref.tag}`;
  if (ref.digest !== undefined) s += `@${ref.digest}`;
  return s;
}

/**
 * The familiar string, as the docker CLI shows it: `docker.io/library/busybox:latest`
 * → `busybox:latest`, `docker.io/foo/bar:1` → `foo/bar:1`; other domains stay.
 * Accepts a parsed reference or a canonical string.
 */
export function familiarName(ref: ImageReference | string): string {
  const r = typeof ref === 'string' ? parseReference(ref) : ref;
  let name = repositoryName(r);
  if (r.domain === DEFAULT_DOMAIN) {
    name =
      r.path.startsWith(OFFICIAL_REPO_PREFIX) && !r.path.slice(OFFICIAL_REPO_PREFIX.length).includes('/')
        ? r.path.slice(OFFICIAL_REPO_PREFIX.length)
        : r.path;
  }
  if (r.tag !== undefined) name += `:${r.tag}`;
  if (r.digest !== undefined) name += `@${r.digest}`;
  return name;
}

function splitDockerDomain(name: string): { domain: string; remainder: string } {
  const i = name.indexOf('/');
  let domain: string;
  let remainder: string;
  const first = name.slice(0, i);
  if (i === -1 || (!/[.:]/.test(first) && first !== 'localhost' && first.toLowerCase() === first)) {
    domain = DEFAULT_DOMAIN;
    remainder = name;
  } else {
    domain = first;
    remainder = name.slice(i + 1);
  }
  if (domain === LEGACY_DEFAULT_DOMAIN) domain = DEFAULT_DOMAIN;
  if (domain === DEFAULT_DOMAIN && !remainder.includes('/')) remainder = OFFICIAL_REPO_PREFIX + remainder;
  return { domain, remainder };
}
