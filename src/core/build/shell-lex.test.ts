// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile text, not templates
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { envLookup, expandWord, expandWords, LexError } from './shell-lex.ts';

const env = envLookup(['A=apple', 'EMPTY=', 'SP=a b', 'PATHV=/usr/local/bin/tool.tar.gz']);
const x = (w: string, esc?: string) => expandWord(w, env, { escape: esc });

test('plain references: $v, ${v}, unset is empty, a lone $ stays', () => {
  assert.equal(x('$A'), 'apple');
  assert.equal(x('${A}'), 'apple');
  assert.equal(x('x${A}y'), 'xappley');
  assert.equal(x('$Ax'), '');
  assert.equal(x('$NOPE'), '');
  assert.equal(x('$'), '$');
  assert.equal(x('a$'), 'a$');
  assert.equal(x('$1'), '');
});

test('modifiers with and without colon, as Docker documents them', () => {
  assert.equal(x('${A:-d}'), 'apple');
  assert.equal(x('${EMPTY:-d}'), 'd');
  assert.equal(x('${NOPE:-d}'), 'd');
  assert.equal(x('${EMPTY-d}'), '');
  assert.equal(x('${NOPE-d}'), 'd');
  assert.equal(x('${A:+alt}'), 'alt');
  assert.equal(x('${EMPTY:+alt}'), '');
  assert.equal(x('${EMPTY+alt}'), 'alt');
  assert.equal(x('${NOPE+alt}'), '');
  assert.equal(x('${NOPE:-${A}}'), 'apple');
  assert.equal(x('${NOPE:-a b}'), 'a b');
  assert.equal(x('${A:?must}'), 'apple');
  assert.throws(
    () => x('${EMPTY:?must be set}'),
    (e: unknown) => e instanceof LexError && e.message === 'EMPTY: must be set',
  );
  assert.equal(x('${EMPTY?must}'), '');
  assert.throws(() => x('${NOPE?}'), /NOPE: is not allowed to be unset/);
});

test('pattern trimming and replacement', () => {
  assert.equal(x('${PATHV#*/}'), 'usr/local/bin/tool.tar.gz');
  assert.equal(x('${PATHV##*/}'), 'tool.tar.gz');
  assert.equal(x('${PATHV%.*}'), '/usr/local/bin/tool.tar');
  assert.equal(x('${PATHV%%.*}'), '/usr/local/bin/tool');
  assert.equal(x('${A/p/P}'), 'aPple');
  assert.equal(x('${A//p/P}'), 'aPPle');
});

test('quotes: single literal, double expands, both removed', () => {
  assert.equal(x("'$A'"), '$A');
  assert.equal(x('"$A"'), 'apple');
  assert.equal(x('"a b"'), 'a b');
  assert.equal(x('"x\\"y"'), 'x"y');
  assert.equal(x('"x\\$A"'), 'x$A');
  assert.equal(x('"x\\ny"'), 'x\\ny');
  assert.equal(x("a'b c'd"), 'ab cd');
});

test('escapes outside quotes; the backtick escape directive', () => {
  assert.equal(x('\\$A'), '$A');
  assert.equal(x('a\\ b'), 'a b');
  assert.equal(x('c:\\path', '`'), 'c:\\path');
  assert.equal(x('`$A', '`'), '$A');
  assert.equal(x('trailing\\'), 'trailing');
});

test('syntax errors say what was expected', () => {
  assert.throws(() => x('${A'), /missing '}'|matching }/);
  assert.throws(() => x('${}'), /bad substitution/);
  assert.throws(() => x('"open'), /matching double-quote/);
  assert.throws(() => x("'open"), /matching single-quote/);
  assert.throws(() => x('${A:=x}'), /unsupported modifier \(=\)/);
});

test('expandWords splits at unquoted whitespace after substitution of literals', () => {
  assert.deepEqual(expandWords('a "b c"  d', env), ['a', 'b c', 'd']);
  assert.deepEqual(expandWords('x "" y', env), ['x', '', 'y']);
  assert.deepEqual(expandWords(' $A ', env), ['apple']);
});
