/**
 * The image side on the real kernel, as root: bootstrap busybox, unpack into
 * overlay layers, prepare and mount a container rootfs, tag/remove semantics.
 * Each test gets its own data root under /tmp and removes it.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { pack as tarPack } from 'tar-stream';
import { openContentStore } from '../../src/core/content/store.ts';
import type { ContentStore } from '../../src/core/content/types.ts';
import { type Db, openDb } from '../../src/core/db.ts';
import { createImageService } from '../../src/core/images/service.ts';
import type { ImageService, ImageUser } from '../../src/core/images/types.ts';
import { openSnapshotter } from '../../src/core/snapshots/overlay.ts';
import type { Mount, Snapshotter } from '../../src/core/snapshots/types.ts';
import { createImagesApi } from '../../src/engine/local/images.ts';
import type { ImagesApi } from '../../src/engine/engine.ts';
import { isCode } from '../../src/lib/errors.ts';

const isRoot = process.getuid?.() === 0;

interface World {
  root: string;
  db: Db;
  content: ContentStore;
  snapshotter: Snapshotter;
  images: ImageService;
  api: ImagesApi;
  /** What the fake container module answers to isImageInUse. */
  user: ImageUser | undefined;
}

async function withWorld(fn: (w: World) => Promise<void>): Promise<void> {
  const root = await mkdtemp('/tmp/berth-images-');
  const db = openDb(join(root, 'berth.db'));
  try {
    const content = await openContentStore(root);
    const snapshotter = await openSnapshotter({ root, db });
    const world = { root, db, content, snapshotter } as World;
    world.user = undefined;
    world.images = createImageService({ db, content, snapshotter, isImageInUse: () => world.user });
    world.api = createImagesApi({ images: world.images, snapshotter });
    await fn(world);
  } finally {
    db.close();
    await rm(root, { recursive: true, force: true });
  }
}

function mountAt(m: Mount, target: string): () => void {
  execFileSync('mount', ['-t', m.type, '-o', m.options.join(','), m.source, target]);
  return () => execFileSync('umount', [target]);
}

const skip = isRoot ? false : 'needs root (overlayfs, device nodes, trusted xattrs)';

test('bootstrapping busybox twice gives the same image', { skip }, () =>
  withWorld(async ({ api, images }) => {
    const a = await api.bootstrap({ Kind: 'busybox' });
    const b = await api.bootstrap({ Kind: 'busybox' });
    assert.equal(a.Id, b.Id);
    assert.match(a.Id, /^sha256:[a-f0-9]{64}$/);
    assert.deepEqual(a.RepoTags, ['busybox:latest']);
    assert.equal(a.RootFS.Layers.length, 1);
    assert.deepEqual(a.Config.Cmd, ['sh']);
    assert.deepEqual(a.Config.Env, ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin']);
    assert.equal(a.Os, 'linux');
    assert.equal(a.Architecture, process.arch === 'x64' ? 'amd64' : a.Architecture);
    assert.equal(a.GraphDriver.Name, 'overlay2');
    assert.ok(a.Size > 1_000_000, `size ${a.Size}`);
    assert.equal((await images.list()).length, 1);

    // A third bootstrap in a fresh data root is byte-identical too.
    await withWorld(async (other) => {
      const c = await other.api.bootstrap({ Kind: 'busybox', Tag: 'bb:x' });
      assert.equal(c.Id, a.Id);
      assert.deepEqual(c.RepoTags, ['bb:x']);
    });
  }),
);

test('the busybox layer unpacks into one shared layer directory', { skip }, () =>
  withWorld(async ({ images, snapshotter }) => {
    const image = await images.bootstrapBusybox();
    const layer = await snapshotter.stat(image.layers[0]!.chainId);
    const diff = layer.diffDir;
    const bb = await stat(join(diff, 'bin/busybox'));
    assert.ok(bb.isFile() && (bb.mode & 0o111) !== 0);
    const sh = await stat(join(diff, 'bin/sh'));
    assert.equal(sh.ino, bb.ino, 'applets are hard links to bin/busybox');
    assert.ok(bb.nlink > 100);
    assert.equal((await stat(join(diff, 'tmp'))).mode & 0o7777, 0o1777);
    assert.equal((await stat(join(diff, 'root'))).mode & 0o7777, 0o700);
    for (const d of ['proc', 'sys', 'dev', 'etc', 'var/www', 'home'])
      assert.ok((await stat(join(diff, d))).isDirectory(), d);
    assert.match(await readFile(join(diff, 'etc/passwd'), 'utf8'), /^root:x:0:0:root:\/root:\/bin\/sh\nnobody:x:65534/);
    assert.match(await readFile(join(diff, 'etc/group'), 'utf8'), /^root:x:0:/);
    assert.equal(layer.size, image.size);
  }),
);

test('prepare() returns an overlay mount that shows the image and keeps writes in the upper dir', { skip }, () =>
  withWorld(async ({ root, images, snapshotter }) => {
    await images.bootstrapBusybox();
    const image = await images.resolveForContainer('busybox');
    assert.equal(image.name, 'docker.io/library/busybox:latest');
    assert.deepEqual(image.config.config?.Cmd, ['sh']);
    const layerDir = (await snapshotter.stat(image.chainId!)).diffDir;
    // A second layer on top, so the mount has a real lowerdir stack.
    const top = await snapshotter.applyLayer(
      tarOf([[{ name: 'etc/', type: 'directory' }], [{ name: 'etc/motd' }, 'hi\n']]),
      image.chainId,
    );
    const m = await snapshotter.prepare('c1', top.chainId);
    assert.equal(m.type, 'overlay');
    assert.equal(m.source, 'overlay');
    const lower = m.options.find((o) => o.startsWith('lowerdir='))!;
    assert.equal(lower.split(':').length, 2);
    assert.deepEqual(await snapshotter.mounts('c1'), m);

    const target = join(root, 'rootfs');
    await mkdir(target);
    const unmount = mountAt(m, target);
    try {
      assert.ok((await stat(join(target, 'bin/busybox'))).isFile());
      assert.equal(await readFile(join(target, 'etc/motd'), 'utf8'), 'hi\n');
      assert.equal(
        execFileSync('chroot', [
          target,
          '/bin/sh',
          '-c',
          'echo hello from $(busybox | head -1 | cut -d" " -f1)',
        ]).toString(),
        'hello from BusyBox\n',
      );
      await writeFile(join(target, 'tmp/new'), 'x');
      await rm(join(target, 'etc/passwd'));
    } finally {
      unmount();
    }
    const upper = (await snapshotter.stat('c1')).diffDir;
    assert.equal(await readFile(join(upper, 'tmp/new'), 'utf8'), 'x');
    assert.ok((await lstat(join(upper, 'etc/passwd'))).isCharacterDevice(), 'delete is a whiteout in upper');
    assert.ok(!existsSync(join(layerDir, 'tmp/new')));
    assert.ok(existsSync(join(layerDir, 'etc/passwd')), 'the image layer is untouched');
    assert.ok((await snapshotter.usage('c1')).inodes >= 2);

    await assert.rejects(snapshotter.remove(top.chainId), (e: unknown) => isCode(e, 'conflict'));
    const activeDir = (await snapshotter.stat('c1')).dir;
    await snapshotter.remove('c1');
    assert.ok(!existsSync(activeDir));
    await snapshotter.remove(top.chainId);
    await assert.rejects(snapshotter.stat('c1'), (e: unknown) => isCode(e, 'not-found'));
  }),
);

test('a layer that tries to escape is refused and leaves nothing behind', { skip }, () =>
  withWorld(async ({ root, snapshotter }) => {
    const outside = join(root, 'outside');
    await mkdir(outside);
    const before = await readdir(join(root, 'overlay'));
    await assert.rejects(
      snapshotter.applyLayer(
        tarOf([[{ name: 'evil', type: 'symlink', linkname: outside }], [{ name: 'evil/pwned' }, 'x']]),
        undefined,
      ),
      (e: unknown) => isCode(e, 'invalid-argument') && /symlink/.test(e.message),
    );
    await assert.rejects(snapshotter.applyLayer(tarOf([[{ name: '../../pwned' }, 'x']]), undefined), (e: unknown) =>
      isCode(e, 'invalid-argument'),
    );
    assert.deepEqual(await readdir(outside), []);
    assert.deepEqual(await readdir(join(root, 'overlay')), before);
    assert.deepEqual(await snapshotter.list(), []);
  }),
);

test('a whiteout and an opaque directory hide lower content in the mount', { skip }, () =>
  withWorld(async ({ root, snapshotter }) => {
    const base = await snapshotter.applyLayer(
      tarOf([
        [{ name: 'a/', type: 'directory' }],
        [{ name: 'a/keep' }, '1'],
        [{ name: 'a/gone' }, '2'],
        [{ name: 'o/', type: 'directory' }],
        [{ name: 'o/old' }, '3'],
      ]),
      undefined,
    );
    const upper = await snapshotter.applyLayer(
      tarOf([
        [{ name: 'a/.wh.gone' }],
        [{ name: 'o/', type: 'directory' }],
        [{ name: 'o/.wh..wh..opq' }],
        [{ name: 'o/new' }, '4'],
      ]),
      base.chainId,
    );
    const target = join(root, 'mnt');
    await mkdir(target);
    const unmount = mountAt(await snapshotter.prepare('c', upper.chainId), target);
    try {
      assert.deepEqual((await readdir(join(target, 'a'))).sort(), ['keep']);
      assert.deepEqual(await readdir(join(target, 'o')), ['new']);
    } finally {
      unmount();
    }
  }),
);

test('rmi untags first and deletes the image, its blobs and its layer with the last name', { skip }, () =>
  withWorld(async ({ api, images, content, snapshotter }) => {
    const img = await api.bootstrap({ Kind: 'busybox' });
    await api.tag('busybox', 'localhost:5000/me/box', 'v1');
    await api.tag(img.Id.slice(7, 19), 'mybox');
    assert.deepEqual((await api.inspect('mybox:latest')).RepoTags.sort(), [
      'busybox:latest',
      'localhost:5000/me/box:v1',
      'mybox:latest',
    ]);
    assert.equal((await api.inspect(img.Id)).Id, img.Id);
    assert.equal((await api.inspect(img.Id.slice(7))).Id, img.Id);
    assert.equal((await api.inspect(img.Id.slice(0, 10))).Id, img.Id);
    assert.equal((await api.inspect(img.Id.slice(7, 8))).Id, img.Id);
    assert.equal((await api.inspect('docker.io/library/busybox')).Id, img.Id);

    assert.deepEqual(await api.remove('busybox'), [{ Untagged: 'busybox:latest' }]);
    assert.deepEqual(await api.remove('localhost:5000/me/box:v1'), [{ Untagged: 'localhost:5000/me/box:v1' }]);
    const image = await images.get('mybox');
    const blobs = [image.manifest.digest, image.config.digest, image.layers[0]!.blob.digest];
    for (const d of blobs) assert.ok(await content.has(d));
    const out = await api.remove('mybox');
    assert.deepEqual(out, [{ Untagged: 'mybox:latest' }, { Deleted: img.Id }, { Deleted: image.layers[0]!.chainId }]);
    for (const d of blobs) assert.equal(await content.has(d), false);
    assert.deepEqual(await snapshotter.list(), []);
    assert.deepEqual(await api.list(), []);
    await assert.rejects(
      api.inspect('mybox'),
      (e: unknown) => isCode(e, 'not-found') && e.message === 'No such image: mybox:latest',
    );
    await assert.rejects(
      api.remove(img.Id),
      (e: unknown) => isCode(e, 'not-found') && e.message === `No such image: ${img.Id}`,
    );
  }),
);

test('rmi by ID untags a single name and refuses several unless forced', { skip }, () =>
  withWorld(async ({ api }) => {
    const img = await api.bootstrap({ Kind: 'busybox' });
    await api.tag('busybox', 'other');
    const short = img.Id.slice(7, 19);
    await assert.rejects(
      api.remove(short),
      (e: unknown) =>
        isCode(e, 'conflict') &&
        e.message ===
          `conflict: unable to delete ${short} (must be forced) - image is referenced in multiple repositories`,
    );
    const out = await api.remove(short, { force: true });
    assert.deepEqual(out.slice(0, 3), [
      { Untagged: 'busybox:latest' },
      { Untagged: 'other:latest' },
      { Deleted: img.Id },
    ]);
  }),
);

test('an image used by a container is protected, and force only untags it', { skip }, () =>
  withWorld(async (w) => {
    const { api, images, snapshotter } = w;
    const img = await api.bootstrap({ Kind: 'busybox' });
    const short = img.Id.slice(7, 19);
    const cid = 'c0ffee'.repeat(10) + 'abcd';
    const resolved = await images.resolveForContainer('busybox');
    await snapshotter.prepare(cid, resolved.chainId);
    w.user = { containerId: cid, running: false };

    await assert.rejects(
      api.remove('busybox'),
      (e: unknown) =>
        isCode(e, 'conflict') &&
        e.message ===
          `conflict: unable to remove repository reference "busybox" (must force) - container ${cid.slice(0, 12)} is using its referenced image ${short}`,
    );
    await assert.rejects(
      api.remove(img.Id),
      (e: unknown) =>
        isCode(e, 'conflict') &&
        e.message ===
          `conflict: unable to delete ${short} (must be forced) - image is being used by stopped container ${cid.slice(0, 12)}`,
    );
    w.user = { containerId: cid, running: true };
    await assert.rejects(
      api.remove(img.Id, { force: true }),
      (e: unknown) =>
        isCode(e, 'conflict') && /\(cannot be forced\) - image is being used by running container/.test(e.message),
    );
    // -f by name untags; the image stays, dangling, for the container.
    assert.deepEqual(await api.remove('busybox', { force: true }), [{ Untagged: 'busybox:latest' }]);
    const dangling = await api.list({ filters: { dangling: ['true'] } });
    assert.deepEqual(
      dangling.map((s) => [s.Id, s.RepoTags]),
      [[img.Id, []]],
    );

    // Force-deleting by ID while a stopped container stacks on the layer keeps the layer.
    w.user = { containerId: cid, running: false };
    const out = await api.remove(short, { force: true });
    assert.deepEqual(out, [{ Deleted: img.Id }]);
    assert.ok(await snapshotter.has(resolved.chainId!));
    await snapshotter.remove(cid);
    w.user = undefined;
  }),
);

test('list() and tag() speak Docker: newest first, filters, tag validation', { skip }, () =>
  withWorld(async ({ api }) => {
    await api.bootstrap({ Kind: 'busybox' });
    await api.tag('busybox', 'busybox', 'v2');
    await api.tag('busybox', 'quay.io/x/y');
    const rows = await api.list();
    assert.equal(rows.length, 1);
    assert.deepEqual(rows[0]!.RepoTags.sort(), ['busybox:latest', 'busybox:v2', 'quay.io/x/y:latest']);
    assert.deepEqual((await api.list({ filters: { reference: ['busybox:v*'] } }))[0]!.RepoTags, ['busybox:v2']);
    assert.deepEqual(await api.list({ filters: { reference: ['nginx'] } }), []);
    assert.deepEqual(await api.list({ filters: { dangling: ['true'] } }), []);
    await assert.rejects(
      api.list({ filters: { bogus: ['1'] } }),
      (e: unknown) => isCode(e, 'invalid-argument') && e.message === "invalid filter 'bogus'",
    );
    await assert.rejects(
      api.tag('busybox', 'Busybox'),
      (e: unknown) =>
        isCode(e, 'invalid-argument') &&
        e.message === 'invalid reference format: repository name (library/Busybox) must be lowercase',
    );
    await assert.rejects(api.tag('busybox', 'busybox', 'bad:tag'), (e: unknown) => isCode(e, 'invalid-argument'));
    await assert.rejects(api.tag('busybox', `busybox@sha256:${'a'.repeat(64)}`), (e: unknown) =>
      isCode(e, 'invalid-argument'),
    );
    await assert.rejects(
      api.tag('nope', 'x'),
      (e: unknown) => isCode(e, 'not-found') && e.message === 'No such image: nope:latest',
    );
    await assert.rejects(api.bootstrap({ Kind: 'alpine' }), (e: unknown) => isCode(e, 'invalid-argument'));
  }),
);

test('prepare() refuses a layer stack whose mount options exceed one page', { skip }, () =>
  withWorld(async ({ db, snapshotter }) => {
    // Committed rows stand in for unpacked layers: the limit is about the options string only.
    let parent: number | null = null;
    let key = '';
    for (let i = 0; i < 150; i++) {
      key = `sha256:${i.toString(16).padStart(64, '0')}`;
      const r: { lastInsertRowid: number | bigint } = db
        .prepare("INSERT INTO snapshots (key, state, parent, created_ms) VALUES (?, 'committed', ?, 0)")
        .run(key, parent);
      parent = Number(r.lastInsertRowid);
      if (i === 19) {
        const m = await snapshotter.prepare('shallow', key as `sha256:${string}`);
        assert.equal(m.options.find((o) => o.startsWith('lowerdir='))!.split(':').length, 20);
      }
    }
    await assert.rejects(
      snapshotter.prepare('deep', key as `sha256:${string}`),
      (e: unknown) => isCode(e, 'invalid-argument') && /too many layers \(150\)/.test(e.message),
    );
    await assert.rejects(snapshotter.stat('deep'), (e: unknown) => isCode(e, 'not-found'));
  }),
);

test('a reopened data root keeps images and clears interrupted unpacks', { skip }, async () => {
  const root = await mkdtemp('/tmp/berth-images-');
  try {
    let db = openDb(join(root, 'berth.db'));
    let snapshotter = await openSnapshotter({ root, db });
    const content = await openContentStore(root);
    const id = (await createImageService({ db, content, snapshotter }).bootstrapBusybox()).id;
    db.prepare("INSERT INTO snapshots (key, state, created_ms) VALUES ('extract:x', 'extracting', 0)").run();
    await mkdir(join(root, 'overlay', '12345', 'diff'), { recursive: true });
    db.close();

    db = openDb(join(root, 'berth.db'));
    snapshotter = await openSnapshotter({ root, db });
    const images = createImageService({ db, content: await openContentStore(root), snapshotter });
    assert.equal((await images.get('busybox')).id, id);
    assert.equal((await snapshotter.list()).length, 1);
    assert.deepEqual((await readdir(join(root, 'overlay'))).length, 1);
    db.close();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

type Entry = [Record<string, unknown> & { name: string }, string?];

function tarOf(entries: Entry[]): AsyncIterable<Uint8Array> {
  const p = tarPack();
  for (const [h, body] of entries) p.entry({ mtime: new Date(0), ...h }, body ?? '');
  p.finalize();
  return p as unknown as AsyncIterable<Uint8Array>;
}
