import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isCode } from '../../lib/errors.ts';
import { applyConfigChanges } from './changes.ts';

test('CMD/ENTRYPOINT: exec form, shell form; ENTRYPOINT clears a CMD not set by the same changes', () => {
  const base = { Cmd: ['sh'], Entrypoint: null };
  assert.deepEqual(applyConfigChanges(base, ['CMD ["a", "b"]']).Cmd, ['a', 'b']);
  assert.deepEqual(applyConfigChanges(base, ['cmd echo hi']).Cmd, ['/bin/sh', '-c', 'echo hi']);
  const e = applyConfigChanges(base, ['ENTRYPOINT ["top"]']);
  assert.deepEqual([e.Entrypoint, e.Cmd], [['top'], null]);
  const both = applyConfigChanges(base, ['CMD ["-b"]', 'ENTRYPOINT ["top"]']);
  assert.deepEqual([both.Entrypoint, both.Cmd], [['top'], ['-b']]);
});

test('ENV and LABEL: key=value pairs with quotes, the legacy form, $VAR from the env', () => {
  const c = applyConfigChanges({ Env: ['PATH=/bin', 'A=old'] }, [
    'ENV A=new B="two words" C=\'$PATH\' D=$PATH:/x',
    'ENV LEGACY some value',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a Dockerfile variable, not a template
    'LABEL "com.x"=1 y=${A}',
  ]);
  assert.deepEqual(c.Env, ['PATH=/bin', 'A=new', 'B=two words', 'C=$PATH', 'D=/bin:/x', 'LEGACY=some value']);
  assert.deepEqual(c.Labels, { 'com.x': '1', y: 'new' });
});

test('EXPOSE, VOLUME, WORKDIR, USER, STOPSIGNAL, ONBUILD', () => {
  const c = applyConfigChanges({ WorkingDir: '/app' }, [
    'EXPOSE 80 53/udp 9000-9001',
    'VOLUME ["/data", "/logs"]',
    'VOLUME /cache',
    'WORKDIR sub',
    'USER nobody:nogroup',
    'STOPSIGNAL SIGINT',
    'ONBUILD RUN make',
  ]);
  assert.deepEqual(Object.keys(c.ExposedPorts ?? {}), ['80/tcp', '53/udp', '9000/tcp', '9001/tcp']);
  assert.deepEqual(Object.keys(c.Volumes ?? {}), ['/data', '/logs', '/cache']);
  assert.equal(c.WorkingDir, '/app/sub');
  assert.equal(c.User, 'nobody:nogroup');
  assert.equal(c.StopSignal, 'SIGINT');
  assert.deepEqual(c.OnBuild, ['RUN make']);
});

test('refused: instructions outside the subset, bad ports, chained ONBUILD; the input is not modified', () => {
  const base = { Env: ['A=1'] };
  for (const bad of ['RUN true', 'FROM x', 'EXPOSE 99999', 'EXPOSE http', 'ONBUILD ONBUILD RUN x', 'USER']) {
    assert.throws(
      () => applyConfigChanges(base, [bad]),
      (e) => isCode(e, 'invalid-argument'),
      bad,
    );
  }
  applyConfigChanges(base, ['ENV A=2']);
  assert.deepEqual(base.Env, ['A=1']);
});
