/** COPY/ADD semantics of src/core/build/copy.ts on real directories (chown needs root). */
import assert from 'node:assert/strict';
import {
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { isCode } from '../../src/lib/errors.ts';
import {
  copyInto,
  diskTree,
  matchSources,
  parseChmod,
  resolveChown,
  resolveInRoot,
} from '../../src/core/build/copy.ts';

const tmp = mkdtempSync('/tmp/berth-copy-test-');
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
function roots() {
  const base = join(tmp, String(n++));
  const src = join(base, 'src');
  const dst = join(base, 'dst');
  mkdirSync(join(src, 'dir', 'sub'), { recursive: true });
  writeFileSync(join(src, 'a.txt'), 'a');
  writeFileSync(join(src, 'b.txt'), 'b');
  writeFileSync(join(src, 'dir', 'x'), 'x');
  writeFileSync(join(src, 'dir', 'sub', 'y'), 'y');
  mkdirSync(join(dst, 'usr', 'lib'), { recursive: true });
  mkdirSync(join(dst, 'etc'), { recursive: true });
  symlinkSync('usr/lib', join(dst, 'lib'));
  symlinkSync('/usr/lib', join(dst, 'abslib'));
  writeFileSync(join(dst, 'etc', 'passwd'), 'root:x:0:0::/root:/bin/sh\napp:x:1000:1001::/home/app:/bin/sh\n');
  writeFileSync(join(dst, 'etc', 'group'), 'root:x:0:\nstaff:x:50:\n');
  const opts = { srcRoot: src, destRoot: dst, keepOwner: false, unpackArchives: false, what: 'COPY', scratchDir: base };
  return { src, dst, opts };
}

test('resolveInRoot follows symlinks as the container sees them, never leaving the root', async () => {
  const { dst } = roots();
  assert.equal(await resolveInRoot(dst, '/lib/x'), join(dst, 'usr/lib/x'));
  assert.equal(await resolveInRoot(dst, '/abslib/x'), join(dst, 'usr/lib/x'));
  assert.equal(await resolveInRoot(dst, '/../../etc/passwd'), join(dst, 'etc/passwd'));
  symlinkSync('../../../../', join(dst, 'escape'));
  assert.equal(await resolveInRoot(dst, '/escape/etc'), join(dst, 'etc'));
  assert.equal(await resolveInRoot(dst, '/lib', false), join(dst, 'lib'));
});

test('wildcards match per path component, as Go filepath.Match', async () => {
  const { src } = roots();
  const t = diskTree(src);
  assert.deepEqual(await matchSources('*.txt', t.list, t.exists), ['a.txt', 'b.txt']);
  assert.deepEqual(await matchSources('[a]*', t.list, t.exists), ['a.txt']);
  assert.deepEqual(await matchSources('dir/*', t.list, t.exists), ['dir/sub', 'dir/x']);
  assert.deepEqual(await matchSources('*/x', t.list, t.exists), ['dir/x']);
  assert.deepEqual(await matchSources('nope*', t.list, t.exists), []);
  assert.deepEqual(await matchSources('./dir/', t.list, t.exists), ['dir']);
});

test("Docker's directory rules: contents of a directory, file to a path or into a directory", async () => {
  const { dst, opts } = roots();
  await copyInto({ ...opts, sources: ['dir'], dest: '/app' });
  assert.equal(readFileSync(join(dst, 'app/x'), 'utf8'), 'x');
  assert.equal(readFileSync(join(dst, 'app/sub/y'), 'utf8'), 'y');
  await copyInto({ ...opts, sources: ['a.txt'], dest: '/renamed.txt' });
  assert.equal(readFileSync(join(dst, 'renamed.txt'), 'utf8'), 'a');
  await copyInto({ ...opts, sources: ['a.txt'], dest: '/app' }); // an existing directory
  assert.equal(readFileSync(join(dst, 'app/a.txt'), 'utf8'), 'a');
  await copyInto({ ...opts, sources: ['a.txt', 'b.txt'], dest: '/new/dir/' });
  assert.equal(readFileSync(join(dst, 'new/dir/b.txt'), 'utf8'), 'b');
  await assert.rejects(
    copyInto({ ...opts, sources: ['a.txt', 'b.txt'], dest: '/single' }),
    /more than one source file, the destination must be a directory and end with a \//,
  );
  // Through the rootfs's symlinks: /lib is usr/lib.
  await copyInto({ ...opts, sources: ['a.txt'], dest: '/lib/' });
  assert.equal(readFileSync(join(dst, 'usr/lib/a.txt'), 'utf8'), 'a');
  assert.ok(lstatSync(join(dst, 'lib')).isSymbolicLink());
  await assert.rejects(copyInto({ ...opts, sources: ['missing'], dest: '/x' }), (e: unknown) =>
    isCode(e, 'invalid-argument'),
  );
});

test('ownership: 0:0 from the context, --chown by name or number, --chmod; a symlink in the way is replaced', async () => {
  const { dst, opts } = roots();
  await copyInto({
    ...opts,
    sources: ['a.txt'],
    dest: '/o/',
    chown: await resolveChown(dst, 'app:staff'),
    chmod: parseChmod('0600'),
  });
  const st = statSync(join(dst, 'o/a.txt'));
  assert.deepEqual([st.uid, st.gid, st.mode & 0o7777], [1000, 50, 0o600]);
  assert.equal(statSync(join(dst, 'o')).uid, 1000, 'a created destination directory gets the owner');
  assert.deepEqual(await resolveChown(dst, '7'), { uid: 7, gid: 7 });
  assert.deepEqual(await resolveChown(dst, 'app'), { uid: 1000, gid: 1000 });
  await assert.rejects(resolveChown(dst, 'nobody'), /can't find uid for user nobody/);
  assert.throws(() => parseChmod('u+x'), /octal/);
  symlinkSync('/etc/shadow', join(dst, 'trap'));
  await copyInto({ ...opts, sources: ['b.txt'], dest: '/trap' });
  assert.ok(!lstatSync(join(dst, 'trap')).isSymbolicLink());
  assert.equal(readFileSync(join(dst, 'trap'), 'utf8'), 'b');
  symlinkSync('dir/x', join(opts.srcRoot, 'link'));
  await copyInto({ ...opts, sources: [''], dest: '/all/' });
  assert.equal(readlinkSync(join(dst, 'all/link')), 'dir/x');
});
