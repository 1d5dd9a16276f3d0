// biome-ignore-all lint/suspicious/noTemplateCurlyInString: Dockerfile text, not templates
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCode } from '../../lib/errors.ts';
import { type Instruction, parseDuration, parseRunMount, readDockerfile } from './instructions.ts';
import { DockerfileError, parseDockerfile } from './parser.ts';

const one = (text: string): Instruction => readDockerfile(`FROM scratch\n${text}`).instructions[1]!;
const fails = (text: string, line: number, re: RegExp, file = 'Dockerfile') =>
  assert.throws(
    () => readDockerfile(text, file),
    (e: unknown) =>
      e instanceof DockerfileError &&
      isCode(e, 'invalid-argument') &&
      e.line === line &&
      e.message.startsWith(`${file}:${line}: `) &&
      re.test(e.message),
  );

test('directives: escape, syntax, check; case-insensitive; only at the top; once each', () => {
  const p = parseDockerfile('# Syntax = docker/dockerfile:1\n#ESCAPE=`\n# check=skip=all\nFROM x\n');
  assert.deepEqual(p.directives, { escape: '`', syntax: 'docker/dockerfile:1', check: 'skip=all' });
  // After a comment or a blank line, a directive is a comment.
  assert.equal(parseDockerfile('# hello\n# escape=`\nFROM x\n').directives.escape, '\\');
  assert.equal(parseDockerfile('\n# escape=`\nFROM x\n').directives.escape, '\\');
  // An unknown directive is a comment and ends the directives.
  assert.equal(parseDockerfile('# foo=bar\n# escape=`\nFROM x\n').directives.escape, '\\');
  assert.throws(
    () => parseDockerfile('# escape=`\n# escape=\\\nFROM x\n'),
    /Dockerfile:2: only one escape parser directive/,
  );
  assert.throws(() => parseDockerfile('# escape=x\nFROM x\n'), /invalid escape token 'x'/);
});

test('the escape directive for Windows-style paths (Docker docs example)', () => {
  const df = readDockerfile('# escape=`\n\nFROM microsoft/nanoserver\nCOPY testfile.txt c:\\\nRUN dir c:\\\n');
  const copy = df.instructions[1]!;
  assert.equal(copy.kind, 'COPY');
  if (copy.kind === 'COPY') assert.deepEqual([copy.sources, copy.dest], [['testfile.txt'], 'c:\\']);
  const run = df.instructions[2]!;
  assert.equal(run.line, 5);
  if (run.kind === 'RUN') assert.deepEqual(run.command, { shell: true, args: ['dir c:\\'] });
  // With the default escape, the same trailing backslash would join the lines.
  const joined = readDockerfile('FROM x\nCOPY testfile.txt c:\\\nRUN dir c:\\\n');
  assert.equal(joined.instructions.length, 2);
});

test('continuations, comments inside them, blank continuation lines, leading whitespace', () => {
  const p = parseDockerfile('FROM x\n  RUN echo a \\\n# comment\n    b \\  \n\n  c\nRUN d # not a comment\n');
  assert.equal(p.instructions[1]!.rest, 'echo a     b   c');
  assert.equal(p.instructions[1]!.line, 2);
  assert.equal(p.instructions[1]!.endLine, 6);
  assert.equal(p.instructions[2]!.rest, 'd # not a comment');
  assert.equal(p.instructions[2]!.line, 7);
  assert.deepEqual(p.warnings, ['Dockerfile:2: empty continuation line']);
});

test('shell and JSON forms; a non-string JSON array is an error, broken JSON is shell form', () => {
  assert.deepEqual((one('RUN ["echo", "a b"]') as { command: unknown }).command, {
    shell: false,
    args: ['echo', 'a b'],
  });
  assert.deepEqual((one('CMD echo hi') as { command: unknown }).command, { shell: true, args: ['echo hi'] });
  assert.deepEqual((one('ENTRYPOINT ["a",') as { command: unknown }).command, { shell: true, args: ['["a",'] });
  fails('FROM x\nCMD ["a", 1]\n', 2, /arrays must be comprised of strings only/);
  fails('FROM x\nSHELL /bin/bash -c\n', 2, /SHELL requires the arguments to be in JSON form/);
  assert.deepEqual((one('SHELL ["/bin/bash", "-c"]') as { shell: unknown }).shell, ['/bin/bash', '-c']);
});

test('heredocs: RUN <<EOF, several per line, <<- strips tabs, quoted names do not expand', () => {
  const p = parseDockerfile(
    'FROM x\nRUN <<EOF\necho a\necho b\nEOF\nCOPY <<one <<"two" /dst/\nfirst\none\nsecond $X\ntwo\nRUN <<-END cat\n\t\tindented\n\tEND\nRUN echo done\n',
  );
  const [, run, copy, chomp, last] = p.instructions;
  assert.deepEqual(run!.heredocs, [{ name: 'EOF', content: 'echo a\necho b\n', expand: true, chomp: false }]);
  assert.deepEqual(
    copy!.heredocs.map((h) => [h.name, h.content, h.expand]),
    [
      ['one', 'first\n', true],
      ['two', 'second $X\n', false],
    ],
  );
  assert.deepEqual(chomp!.heredocs, [{ name: 'END', content: 'indented\n', expand: true, chomp: true }]);
  assert.equal(last!.line, 14);
  assert.equal(last!.rest, 'echo done');
  const df = readDockerfile('FROM x\nCOPY <<EOF /etc/motd\nhi\nEOF\n');
  const c = df.instructions[1]!;
  if (c.kind === 'COPY') assert.deepEqual([c.sources, c.dest], [['<<EOF'], '/etc/motd']);
  assert.throws(() => parseDockerfile('FROM x\nRUN <<EOF\necho\n'), /Dockerfile:2: unterminated heredoc/);
  // `<<` in other instructions is plain text.
  assert.equal(parseDockerfile('FROM x\nLABEL a=<<EOF\nRUN x\n').instructions.length, 3);
});

test('every instruction with its arguments and flags', () => {
  const df = readDockerfile(
    [
      'ARG BASE=busybox',
      'FROM --platform=linux/amd64 ${BASE} AS Build',
      'RUN --mount=type=cache,target=/root/.cache,id=c,sharing=locked --network=none echo hi',
      'CMD ["sh"]',
      'ENTRYPOINT ["/bin/ep"]',
      'ENV A=1 B="two words" C=three\\ words',
      'ENV LEGACY value with spaces',
      'ARG X Y=2',
      'LABEL "com.example"="v" other=1',
      'EXPOSE 80/tcp 53/udp',
      'VOLUME ["/data", "/logs"]',
      'VOLUME /a /b',
      'USER app:app',
      'WORKDIR /srv',
      'STOPSIGNAL SIGTERM',
      'HEALTHCHECK --interval=5s --timeout=1s --start-period=1m --start-interval=2s --retries=3 CMD wget -q localhost',
      'HEALTHCHECK NONE',
      'ONBUILD RUN echo triggered',
      'COPY --from=build --chown=1:2 --chmod=0644 --link a b /dst/',
      'ADD --checksum=sha256:abc https://example.com/x.tar /x',
      'ADD --keep-git-dir=true --chown=app src.tar /opt/',
      'MAINTAINER someone',
    ].join('\n'),
  );
  const [
    from,
    run,
    cmd,
    ep,
    env,
    legacy,
    arg,
    label,
    expose,
    vol,
    vol2,
    user,
    wd,
    sig,
    hc,
    none,
    onb,
    copy,
    add,
    add2,
    mnt,
  ] = df.instructions.slice(1);
  assert.deepEqual(
    [from!.kind, (from as { image: string }).image, (from as { stageName: string }).stageName],
    ['FROM', '${BASE}', 'build'],
  );
  assert.equal((from as { platform: string }).platform, 'linux/amd64');
  assert.ok(
    run?.kind === 'RUN' &&
      run.network === 'none' &&
      run.mounts[0]!.type === 'cache' &&
      run.mounts[0]!.sharing === 'locked',
  );
  assert.deepEqual((cmd as { command: unknown }).command, { shell: false, args: ['sh'] });
  assert.equal(ep!.kind, 'ENTRYPOINT');
  assert.deepEqual((env as { pairs: unknown }).pairs, [
    ['A', '1'],
    ['B', '"two words"'],
    ['C', 'three\\ words'],
  ]);
  assert.deepEqual((legacy as { pairs: unknown }).pairs, [['LEGACY', 'value with spaces']]);
  assert.deepEqual((arg as { args: unknown }).args, [{ name: 'X' }, { name: 'Y', value: '2' }]);
  assert.deepEqual((label as { pairs: unknown }).pairs, [
    ['"com.example"', '"v"'],
    ['other', '1'],
  ]);
  assert.deepEqual((expose as { ports: unknown }).ports, ['80/tcp', '53/udp']);
  assert.deepEqual((vol as { paths: unknown }).paths, ['/data', '/logs']);
  assert.deepEqual((vol2 as { paths: unknown }).paths, ['/a', '/b']);
  assert.deepEqual(
    [user, wd, sig, mnt].map((i) => (i as { value: string }).value),
    ['app:app', '/srv', 'SIGTERM', 'someone'],
  );
  assert.deepEqual((hc as { health: unknown }).health, {
    test: ['CMD-SHELL', 'wget -q localhost'],
    interval: 5e9,
    timeout: 1e9,
    startPeriod: 60e9,
    startInterval: 2e9,
    retries: 3,
  });
  assert.deepEqual((none as { health: { test: string[] } }).health.test, ['NONE']);
  assert.ok(onb?.kind === 'ONBUILD' && onb.parsed.kind === 'RUN' && onb.trigger === 'RUN echo triggered');
  assert.ok(copy?.kind === 'COPY');
  if (copy?.kind === 'COPY') {
    assert.deepEqual(
      [copy.sources, copy.dest, copy.from, copy.chown, copy.chmod, copy.link],
      [['a', 'b'], '/dst/', 'build', '1:2', '0644', true],
    );
  }
  assert.ok(add?.kind === 'ADD' && add.checksum === 'sha256:abc');
  assert.ok(add2?.kind === 'ADD' && add2.keepGitDir && add2.chown === 'app');
});

test('errors name the file, the line and what was expected', () => {
  fails('FROM x\nRUNN echo\n', 2, /unknown instruction: RUNN \(expected one of ADD, ARG/);
  fails('RUN echo\n', 1, /expected FROM before RUN/);
  fails('', 1, /no instructions/);
  fails('FROM a b\n', 1, /FROM requires either one or three arguments/);
  fails('FROM a AS 1x\n', 1, /invalid name for build stage/);
  fails('FROM x\nCOPY onlyone\n', 2, /COPY requires at least two arguments/);
  fails('FROM x\nCOPY --frm=a b c\n', 2, /unknown flag: --frm \(COPY takes --from/);
  fails('FROM x\nUSER\n', 2, /USER requires exactly one argument/);
  fails('FROM x\nENV\n', 2, /ENV requires at least one argument/);
  fails('FROM x\nENV A\n', 2, /ENV must have two arguments/);
  fails('FROM x\nENV A=1 B\n', 2, /can't find = in "B"/);
  fails('FROM x\nRUN\n', 2, /RUN requires at least one argument/);
  fails('FROM x\nRUN --mount=type=nfs,target=/x true\n', 2, /unsupported mount type "nfs"/);
  fails('FROM x\nRUN --network=bridge true\n', 2, /unsupported network mode "bridge"/);
  fails('FROM x\nHEALTHCHECK --interval=5 CMD true\n', 2, /invalid duration for --interval/);
  fails('FROM x\nHEALTHCHECK RUN true\n', 2, /Unknown type "RUN" in HEALTHCHECK \(try CMD\)/);
  fails('FROM x\nONBUILD ONBUILD RUN x\n', 2, /Chaining ONBUILD/);
  fails('FROM x\nONBUILD FROM y\n', 2, /FROM isn't allowed as an ONBUILD trigger/);
  fails('FROM x\nADD --checksum=sha256:a local /x\n', 2, /checksum can't be specified for non-HTTP/);
  fails('FROM x\nCOPY --link=maybe a b\n', 2, /expecting boolean value/);
  fails('FROM x\n\n\nLABEL\n', 4, /LABEL requires at least one argument/, 'sub/Dockerfile.dev');
});

test('RUN --mount specifications', () => {
  assert.deepEqual(parseRunMount('type=bind,source=/src,target=/dst'), {
    type: 'bind',
    source: '/src',
    target: '/dst',
    readonly: true,
  });
  assert.equal(parseRunMount('target=/x,rw').readonly, false);
  assert.equal(parseRunMount('type=cache,target=/x').readonly, false);
  assert.deepEqual(parseRunMount('type=secret,id=tok'), {
    type: 'secret',
    id: 'tok',
    target: '/run/secrets/tok',
    readonly: false,
  });
  assert.equal(parseRunMount('type=tmpfs,target=/t,size=1m').size, 1024 * 1024);
  assert.equal(parseRunMount('type=cache,target=/c,mode=0700,uid=5').mode, 0o700);
  assert.throws(() => parseRunMount('type=bind'), /target must be set/);
  assert.throws(() => parseRunMount('type=bind,target=/x,bogus=1'), /unexpected key 'bogus'/);
});

test('durations in Go syntax', () => {
  assert.equal(parseDuration('1m30s'), 90e9);
  assert.equal(parseDuration('250ms'), 250e6);
  assert.equal(parseDuration('0'), 0);
  assert.equal(parseDuration('5'), undefined);
  assert.equal(parseDuration('1x'), undefined);
});
