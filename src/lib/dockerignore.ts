/**
 * `.dockerignore` with Docker's pattern semantics, over the maintained
 * `@balena/dockerignore` (a port of moby's patternmatcher: Go's
 * filepath.Match per path component, `**` for any number of directories, `!`
 * exceptions evaluated in order with the last match winning, a pattern also
 * excluding everything under a matched directory, leading `/` and `./`
 * ignored, `#` comment lines). Pure.
 */
import ignoreModule from '@balena/dockerignore';

// The package is CommonJS (`module.exports = factory`, also exposed as `.default`); its typings declare only a default export.
const ignore = ((ignoreModule as unknown as { default?: unknown }).default ??
  ignoreModule) as unknown as typeof ignoreModule.default;

export interface DockerignoreMatcher {
  /** Whether `path` (relative to the context root, `/`-separated) is left out of the context. */
  excludes(path: string): boolean;
  /** Whether any pattern is an exception (`!`): excluded directories must then still be walked. */
  readonly hasExceptions: boolean;
}

/** The patterns of a `.dockerignore` file, one per line (blank and `#` lines skipped, each trimmed). */
export function dockerignorePatterns(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/**
 * A matcher for `.dockerignore` text. `keep` lists paths never excluded: the
 * client keeps the Dockerfile and `.dockerignore` itself in the context it
 * sends, since the builder needs them (the builder then leaves them out of
 * COPY if the patterns say so).
 */
export function dockerignoreMatcher(text: string, keep: readonly string[] = []): DockerignoreMatcher {
  const patterns = dockerignorePatterns(text);
  const ig = ignore().add(patterns);
  const kept = new Set(keep.map((k) => k.replace(/^\.?\//, '')));
  return {
    excludes: (path) => {
      const p = path.replace(/^\.?\/+/, '');
      if (p === '' || kept.has(p)) return false;
      return ig.ignores(p);
    },
    hasExceptions: patterns.some((p) => p.startsWith('!')),
  };
}
