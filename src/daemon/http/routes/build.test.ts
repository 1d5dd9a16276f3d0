import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createRemoteEngine } from '../../../engine/remote/remote-engine.ts';
import { startTestServer, type TestServer } from '../../testing/harness.ts';

let t: TestServer;
before(async () => {
  t = await startTestServer();
});
after(async () => {
  await t.close();
});

test('POST /build decodes Docker query parameters and streams JSON messages, one a line', async () => {
  const q = new URLSearchParams();
  q.append('t', 'a:1');
  q.append('t', 'b');
  q.set('dockerfile', 'sub/Dockerfile');
  q.set('buildargs', JSON.stringify({ A: '1', B: null }));
  q.set('labels', JSON.stringify({ l: 'v' }));
  q.set('target', 'final');
  q.set('nocache', '1');
  q.set('q', 'true');
  q.set('networkmode', 'host');
  q.set('extrahosts', 'h1:1.2.3.4,h2:5.6.7.8');
  const r = await t.request('POST', `/v1.47/build?${q}`, {
    body: 'x'.repeat(3000),
    headers: { 'Content-Type': 'application/x-tar' },
  });
  assert.equal(r.status, 200);
  assert.equal(r.headers['content-type'], 'application/json');
  assert.deepEqual(
    r.text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
    [{ stream: 'context 3000 bytes\n' }, { aux: { ID: 'sha256:feed' } }],
  );
  const call = t.engine.calls.find((c) => c[0] === 'build.build')!;
  assert.deepEqual(call[1], {
    t: ['a:1', 'b'],
    nocache: true,
    q: true,
    rm: true,
    forcerm: false,
    pull: false,
    dockerfile: 'sub/Dockerfile',
    target: 'final',
    buildargs: { A: '1', B: null },
    labels: { l: 'v' },
    networkmode: 'host',
    extrahosts: ['h1:1.2.3.4', 'h2:5.6.7.8'],
  });
});

test('POST /build: a bad buildargs is a 400; a failed build is an errorDetail message in a 200 stream', async () => {
  const bad = await t.request('POST', `/build?buildargs=${encodeURIComponent('{"A":1}')}`, { body: '' });
  assert.equal(bad.status, 400);
  assert.match((bad.json as { message: string }).message, /buildargs: the value of "A" must be a string/);
  const failed = await t.request('POST', '/build?target=fail', { body: '' });
  assert.equal(failed.status, 200);
  assert.deepEqual(JSON.parse(failed.text.trim().split('\n').at(-1)!), {
    errorDetail: { message: 'boom' },
    error: 'boom',
  });
});

test('the remote engine uploads the context chunked and reads the messages; prune maps its query', async () => {
  const engine = createRemoteEngine({ host: `unix://${t.socketPath}` });
  try {
    async function* context() {
      yield new Uint8Array(1000);
      yield new Uint8Array(24);
    }
    const msgs = [];
    for await (const m of await engine.build.build(context(), { t: ['x:1'], buildargs: { K: 'v' } })) msgs.push(m);
    assert.deepEqual(msgs, [{ stream: 'context 1024 bytes\n' }, { aux: { ID: 'sha256:feed' } }]);
    const call = t.engine.calls.filter((c) => c[0] === 'build.build').at(-1)!;
    assert.deepEqual((call[1] as { t: string[]; buildargs: unknown }).t, ['x:1']);
    assert.deepEqual((call[1] as { buildargs: unknown }).buildargs, { K: 'v' });
    assert.deepEqual(await engine.build.prune({ all: true, filters: { until: ['24h'] }, keepStorage: 1000 }), {
      CachesDeleted: [],
      SpaceReclaimed: 0,
    });
    const p = t.engine.calls.filter((c) => c[0] === 'build.prune').at(-1)!;
    assert.deepEqual(p[1], { all: true, filters: { until: ['24h'] }, keepStorage: 1000 });
  } finally {
    engine.close();
  }
});
