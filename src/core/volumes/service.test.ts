import assert from 'node:assert/strict';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isCode } from '../../lib/errors.ts';
import { openDb } from '../db.ts';
import { ANONYMOUS_LABEL, validateVolumeName, validateVolumeOptions, VolumeService } from './service.ts';

const roots: string[] = [];
after(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function service(refs: Record<string, string[]> = {}) {
  const root = mkdtempSync('/tmp/berth-volsvc-');
  roots.push(root);
  const db = openDb(join(root, 'berth.db'));
  const svc = new VolumeService({ dataRoot: root, db, referencedBy: (n) => refs[n] ?? [] });
  return { root, db, svc };
}

test('names and options as the local driver checks them', () => {
  for (const ok of ['ab', 'pg_data-1.2']) validateVolumeName(ok);
  for (const bad of ['a', 'a/b', '..', '../x', '.hidden', 'a..b', '']) {
    assert.throws(() => validateVolumeName(bad), /invalid characters/, bad);
  }
  validateVolumeName('a'.repeat(255));
  assert.throws(() => validateVolumeName('a'.repeat(256)), /at most 255 characters/);
  assert.equal(validateVolumeOptions({ size: '10m' }), 10 * 1024 * 1024);
  assert.throws(() => validateVolumeOptions({ colour: 'x' }), /invalid option key: "colour"/);
  assert.throws(() => validateVolumeOptions({ type: 'tmpfs' }), /missing device/);
  assert.throws(() => validateVolumeOptions({ device: '/dev/sdb' }), /missing type/);
  assert.throws(() => validateVolumeOptions({ type: 'tmpfs', device: 'tmpfs', size: '1m' }), /plain local volume/);
  assert.throws(() => validateVolumeOptions({ size: '12q' }), /invalid size/);
});

test('create is idempotent by name; anonymous names are random; in use or pinned means no removal', async () => {
  const refs: Record<string, string[]> = {};
  const { root, svc } = service(refs);
  const a = await svc.create({ name: 'data', labels: { x: 'y' } });
  assert.equal(a.created, true);
  const again = await svc.create({ name: 'data' });
  assert.equal(again.created, false);
  assert.deepEqual(again.volume.labels, { x: 'y' });
  const anon = await svc.create({ labels: { [ANONYMOUS_LABEL]: '' } });
  assert.match(anon.volume.name, /^[0-9a-f]{64}$/);
  assert.ok(existsSync(join(root, 'volumes/data/_data')));
  refs.data = ['c1'];
  await assert.rejects(svc.remove('data'), (e) => isCode(e, 'conflict') && /in use - \[c1\]/.test(e.message));
  delete refs.data;
  const unpin = svc.pin(['data']);
  await assert.rejects(svc.remove('data'), (e) => isCode(e, 'conflict'));
  const pruned = await svc.prune(() => true);
  assert.deepEqual(pruned.removed, [anon.volume.name], 'a pinned volume is not pruned');
  unpin();
  await svc.remove('data');
  await svc.remove('data', { force: true });
  await assert.rejects(svc.remove('data'), (e) => isCode(e, 'not-found'));
  assert.deepEqual(readdirSync(join(root, 'volumes')), []);
});

test('copy-up fills an empty volume once and keeps modes; a full volume is left alone', async () => {
  const { root, svc } = service();
  await svc.create({ name: 'cu' });
  const src = join(root, 'src');
  mkdirSync(join(src, 'sub'), { recursive: true, mode: 0o750 });
  writeFileSync(join(src, 'sub/f'), 'x');
  assert.equal(await svc.copyUp('cu', src), true);
  assert.deepEqual(readdirSync(svc.dataPath('cu')), ['sub']);
  assert.equal(statSync(join(svc.dataPath('cu'), 'sub')).mode & 0o777, 0o750);
  assert.equal(await svc.copyUp('cu', src), false);
  assert.equal(await svc.usage('cu'), 1);
});

test('check reports, then repairs, what crashes leave; a referenced orphan gets its record back', async () => {
  const refs: Record<string, string[]> = { orphanused: ['c9'] };
  const { root, db, svc } = service(refs);
  await svc.create({ name: 'good' });
  writeFileSync(join(svc.dataPath('good'), 'keep'), 'precious');
  await svc.create({ name: 'half' });
  db.prepare("UPDATE volumes SET state = 'creating' WHERE name = 'half'").run();
  await svc.create({ name: 'going' });
  db.prepare("UPDATE volumes SET state = 'removing' WHERE name = 'going'").run();
  await svc.create({ name: 'lost' });
  rmSync(svc.dataPath('lost'), { recursive: true });
  mkdirSync(join(root, 'volumes/orphan/_data'), { recursive: true });
  mkdirSync(join(root, 'volumes/orphanused/_data'), { recursive: true });
  await svc.create({ name: 'copying' });
  mkdirSync(join(root, 'volumes/copying/_copyup'));

  const report = await svc.check({ repair: false });
  assert.deepEqual(report.map((f) => `${f.volume}: ${f.problem}`).sort(), [
    'copying: copy-up was interrupted',
    'going: removal was interrupted',
    'half: creation was interrupted',
    'lost: data directory is missing',
    'orphan: data without a volume record',
    'orphanused: data without a volume record, used by containers',
  ]);
  assert.ok(report.every((f) => !f.repaired));
  assert.equal((await svc.check({ repair: true })).length, 6);
  assert.deepEqual(await svc.check({ repair: false }), []);
  assert.deepEqual(
    svc.list().map((v) => v.name),
    ['copying', 'good', 'lost', 'orphanused'],
  );
  assert.deepEqual(readdirSync(join(root, 'volumes')).sort(), ['copying', 'good', 'lost', 'orphanused']);
  assert.equal(readFileSync(join(svc.dataPath('good'), 'keep'), 'utf8'), 'precious');
});
