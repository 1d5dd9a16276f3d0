// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile text, not templates
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readDockerfile } from './instructions.ts';
import { expandWord } from './shell-lex.ts';
import { BuildArgs, StageScope, splitStages, stageBase, stagesFor } from './stages.ts';

const amd64 = { os: 'linux', architecture: 'amd64' };

function plan(text: string, given: Record<string, string> = {}) {
  const df = readDockerfile(text);
  const p = splitStages(df);
  const args = new BuildArgs(given, amd64);
  args.evalGlobal(p.globalArgs, df.escape);
  return { p, args, df };
}

const MULTI = `ARG VERSION=1.0
ARG BASE=busybox
FROM \${BASE} AS base
FROM base AS builder
RUN build
FROM busybox AS tests
COPY --from=builder /out /out
FROM scratch AS unused
FROM base
COPY --from=builder /out/bin /bin/app
COPY --from=1 /x /y
`;

test('stages: names, bases (scratch, image, earlier stage), global args in FROM', () => {
  const { p, args } = plan(MULTI);
  assert.deepEqual(
    p.stages.map((s) => s.name),
    ['base', 'builder', 'tests', 'unused', undefined],
  );
  assert.deepEqual(stageBase(p, 0, args, '\\'), { kind: 'image', ref: 'busybox' });
  assert.deepEqual(stageBase(p, 1, args, '\\'), { kind: 'stage', index: 0 });
  assert.deepEqual(stageBase(p, 3, args, '\\'), { kind: 'scratch' });
  assert.deepEqual(stageBase(p, 4, args, '\\'), { kind: 'stage', index: 0 });
  const over = plan(MULTI, { BASE: 'debian' });
  assert.deepEqual(stageBase(over.p, 0, over.args, '\\'), { kind: 'image', ref: 'debian' });
});

test('only the stages the target needs, dependencies first', () => {
  const { p, args } = plan(MULTI);
  assert.deepEqual(stagesFor(p, undefined, args, '\\'), [0, 1, 4]);
  assert.deepEqual(stagesFor(p, 'tests', args, '\\'), [0, 1, 2]);
  assert.deepEqual(stagesFor(p, 'BASE', args, '\\'), [0]);
  assert.throws(() => stagesFor(p, 'nope', args, '\\'), /target stage "nope" could not be found/);
  // A --from naming a global arg is resolved before building.
  const g = plan('ARG SRC=one\nFROM busybox AS one\nFROM busybox AS two\nFROM busybox\nCOPY --from=${SRC} /a /b\n');
  assert.deepEqual(stagesFor(g.p, undefined, g.args, '\\'), [0, 2]);
});

test('ARG scoping: globals only in FROM until re-declared; build-args override; ENV wins', () => {
  const { args } = plan('ARG G=global\nARG H\nFROM busybox\n', { H: 'given', X: 'x', UNUSED: '1', HTTP_PROXY: 'p' });
  assert.equal(args.globalLookup('G'), 'global');
  assert.equal(args.globalLookup('H'), 'given');
  assert.equal(args.globalLookup('TARGETARCH'), 'amd64');
  const scope = new StageScope(['PATH=/bin', 'G=from-env-later']);
  // Not declared in the stage: not visible (the ENV of the same name is what shows).
  assert.equal(scope.args.has('G'), false);
  scope.args.set('G', args.declare('G', undefined));
  scope.args.set('X', args.declare('X', 'default'));
  scope.args.set('Y', args.declare('Y', 'dflt'));
  scope.args.set('Z', args.declare('Z', undefined));
  scope.args.set('TARGETPLATFORM', args.declare('TARGETPLATFORM', undefined));
  assert.equal(scope.lookup('X'), 'x');
  assert.equal(scope.lookup('Y'), 'dflt');
  assert.equal(scope.lookup('Z'), undefined);
  assert.equal(scope.lookup('TARGETPLATFORM'), 'linux/amd64');
  assert.equal(scope.lookup('G'), 'from-env-later');
  assert.equal(expandWord('${Z:-none}-$X', scope.lookup), 'none-x');
  // What RUN sees: declared args with values, not shadowed by ENV.
  assert.deepEqual(scope.argEnv(), ['TARGETPLATFORM=linux/amd64', 'X=x', 'Y=dflt']);
  assert.deepEqual([...args.proxies()], [['HTTP_PROXY', 'p']]);
  assert.deepEqual(args.unused(), ['UNUSED']);
});

test('a global default may use the globals before it', () => {
  const { args } = plan('ARG A=1\nARG B=${A}-2\nFROM busybox:${B}\n');
  assert.equal(args.globalLookup('B'), '1-2');
});
