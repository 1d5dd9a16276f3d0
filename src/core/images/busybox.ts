/**
 * A base image made offline from the host's static busybox (Debian's
 * busybox-static): one gzip layer with `bin/busybox`, a hard link per applet
 * in `bin/`, a minimal `/etc/passwd` and `/etc/group`, and the usual empty
 * directories. Every mtime and the config's `created` are the busybox
 * binary's mtime, so the same binary always gives the same layer, config and
 * image ID.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { type Header, pack as tarPack } from 'tar-stream';
import { run } from '../../host/exec.ts';
import { invalidArgument } from '../../lib/errors.ts';
import type { Descriptor, ImageConfig, Manifest, Platform } from '../../oci/image.ts';
import { MediaType } from '../../oci/media-types.ts';
import type { ContentStore } from '../content/types.ts';
import { writeLayerBlob } from './commit.ts';

export const DEFAULT_BUSYBOX = '/usr/bin/busybox';
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n';
const GROUP = 'root:x:0:\nnobody:x:65534:\n';
const DIRS: [string, number][] = [
  ['bin', 0o755],
  ['dev', 0o755],
  ['etc', 0o755],
  ['home', 0o755],
  ['proc', 0o755],
  ['root', 0o700],
  ['sys', 0o755],
  ['tmp', 0o1777],
  ['usr', 0o755],
  ['var', 0o755],
  ['var/www', 0o755],
];

export interface BusyboxImageOptions {
  busyboxPath: string;
  platform: Platform;
}

/** Writes the layer, config and manifest blobs; returns the manifest's descriptor. */
export async function writeBusyboxImage(content: ContentStore, opts: BusyboxImageOptions): Promise<Descriptor> {
  const bin = await stat(opts.busyboxPath).catch(() => undefined);
  if (!bin?.isFile()) {
    throw invalidArgument(`cannot bootstrap busybox: ${opts.busyboxPath} not found`, {
      hint: 'install busybox-static (apt-get install busybox-static)',
    });
  }
  const mtime = new Date(Math.floor(bin.mtimeMs / 1000) * 1000);
  const { stdout } = await run(opts.busyboxPath, ['--list']);
  const applets = [...new Set(stdout.split('\n').map((s) => s.trim()))]
    .filter((a) => a !== '' && a !== 'busybox' && !a.includes('/'))
    .sort();

  const pack = tarPack();
  const entry = (header: Partial<Header> & { name: string }, body = ''): Promise<void> =>
    new Promise((resolve, reject) => {
      pack.entry({ uid: 0, gid: 0, mtime, ...header }, body, (err?: Error | null) => (err ? reject(err) : resolve()));
    });
  const produce = async (): Promise<void> => {
    for (const [name, mode] of DIRS.slice(0, 1)) await entry({ name: `${name}/`, type: 'directory', mode });
    await new Promise<void>((resolve, reject) => {
      const sink = pack.entry(
        { name: 'bin/busybox', size: bin.size, mode: 0o755, uid: 0, gid: 0, mtime },
        (err?: Error | null) => (err ? reject(err) : resolve()),
      );
      const src = createReadStream(opts.busyboxPath);
      src.on('error', reject);
      src.pipe(sink as unknown as NodeJS.WritableStream);
    });
    for (const a of applets) {
      await entry({ name: `bin/${a}`, type: 'link', linkname: 'bin/busybox', mode: 0o755 });
    }
    for (const [name, mode] of DIRS.slice(1)) {
      await entry({ name: `${name}/`, type: 'directory', mode });
      if (name === 'etc') {
        await entry({ name: 'etc/group', mode: 0o644 }, GROUP);
        await entry({ name: 'etc/passwd', mode: 0o644 }, PASSWD);
      }
    }
    pack.finalize();
  };

  const producing = produce().catch((err: unknown) => {
    pack.destroy(err instanceof Error ? err : new Error(String(err)));
    throw err;
  });
  const written = await writeLayerBlob(content, pack as unknown as AsyncIterable<Uint8Array>).catch(async (err) => {
    await producing.catch(() => {});
    throw err;
  });
  await producing;
  const layer = written.blob;

  const created = mtime.toISOString().replace('.000Z', 'Z');
  const config: ImageConfig = {
    created,
    architecture: opts.platform.architecture,
    os: opts.platform.os,
    ...(opts.platform.variant ? { variant: opts.platform.variant } : {}),
    config: { Env: [PATH_ENV], Cmd: ['sh'] },
    rootfs: { type: 'layers', diff_ids: [written.diffId] },
    history: [{ created, created_by: `berth image bootstrap busybox (${opts.busyboxPath})` }],
  };
  const configBytes = new TextEncoder().encode(JSON.stringify(config));
  const configInfo = await content.ingest(configBytes);
  const manifest: Manifest = {
    schemaVersion: 2,
    mediaType: MediaType.ociManifest,
    config: { mediaType: MediaType.ociConfig, digest: configInfo.digest, size: configInfo.size },
    layers: [layer],
  };
  const manifestBytes = new TextEncoder().encode(JSON.stringify(manifest));
  const manifestInfo = await content.ingest(manifestBytes);
  return { mediaType: MediaType.ociManifest, digest: manifestInfo.digest, size: manifestInfo.size };
}
