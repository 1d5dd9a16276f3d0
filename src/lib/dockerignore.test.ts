import assert from 'node:assert/strict';
import { test } from 'node:test';
import { dockerignoreMatcher, dockerignorePatterns } from './dockerignore.ts';

test('patterns: comments and blank lines skipped, lines trimmed', () => {
  assert.deepEqual(dockerignorePatterns('# c\n\n  *.md  \n!README.md\r\n'), ['*.md', '!README.md']);
});

test("Docker's matching: per-directory *, **, exceptions in order, parents exclude their contents", () => {
  const m = dockerignoreMatcher(
    [
      '*/temp*',
      '*/*/temp*',
      'temp?',
      '*.md',
      '!README*.md',
      'README-secret.md',
      'logs/**',
      '!logs/keep',
      '/abs',
      '**/*.o',
    ].join('\n'),
  );
  const ex = (p: string) => m.excludes(p);
  // Docker docs' examples.
  assert.ok(ex('somedir/temporary.txt'));
  assert.ok(ex('somedir/temp'));
  assert.ok(ex('somedir/subdir/temporary.txt'));
  assert.ok(ex('tempa'));
  assert.ok(!ex('tempab'));
  assert.ok(ex('a.md'));
  assert.ok(!ex('README.md'));
  assert.ok(ex('README-secret.md'));
  // `*` does not cross directories.
  assert.ok(!ex('sub/a.md'));
  assert.ok(ex('logs/x/y'));
  assert.ok(!ex('logs/keep'));
  assert.ok(ex('abs'));
  assert.ok(ex('abs/inside'));
  assert.ok(ex('x.o') && ex('deep/er/x.o'));
  assert.ok(!ex('src/main.c'));
  assert.ok(m.hasExceptions);
});

test('kept paths (the client keeps the Dockerfile and .dockerignore) are never excluded', () => {
  const m = dockerignoreMatcher('*\n', ['build/Dockerfile.dev', '.dockerignore']);
  assert.ok(!m.excludes('build/Dockerfile.dev'));
  assert.ok(!m.excludes('.dockerignore'));
  assert.ok(m.excludes('Dockerfile'));
  assert.ok(!dockerignoreMatcher('x\n').hasExceptions);
});
