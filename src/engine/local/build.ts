/**
 * BuildApi with behaviour: POST /build's parameters checked and translated,
 * the context ingested (core/build/context.ts), the build run by
 * core/build/executor.ts, and its progress turned into Docker's JSON
 * messages (`stream`, `aux` with the image ID, `errorDetail`). Also
 * `builder prune`.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { BuildCache } from '../../core/build/cache.ts';
import { ingestContext } from '../../core/build/context.ts';
import { type BuildDeps, runBuild } from '../../core/build/executor.ts';
import type { ContentStore } from '../../core/content/types.ts';
import { parseTagTarget } from '../../core/images/service.ts';
import type { ImageService } from '../../core/images/types.ts';
import type { Snapshotter } from '../../core/snapshots/types.ts';
import type { Digest } from '../../lib/digest.ts';
import { invalidArgument, isCode, toBerthError } from '../../lib/errors.ts';
import { formatReference } from '../../oci/reference.ts';
import type { BuildApi } from '../engine.ts';
import type { BuildMessage, BuildPruneOptions, BuildPruneResponse, ImageBuildOptions } from '../types.ts';

export interface BuildServiceOptions extends BuildDeps {
  cache: BuildCache;
  images: ImageService;
  content: ContentStore;
  snapshotter: Snapshotter;
  log?: (level: 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>) => void;
}

/** A push-driven async iterable of messages. */
function channel<T>(): { push(item: T): void; end(): void; iterable: AsyncIterable<T> } {
  const items: T[] = [];
  let ended = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  return {
    push(item) {
      items.push(item);
      notify();
    },
    end() {
      ended = true;
      notify();
    },
    iterable: {
      async *[Symbol.asyncIterator]() {
        for (;;) {
          if (items.length > 0) {
            yield items.shift()!;
            continue;
          }
          if (ended) return;
          await new Promise<void>((r) => {
            wake = r;
          });
        }
      },
    },
  };
}

function networkOf(mode: string | undefined): 'none' | 'host' | 'default' {
  if (mode === undefined || mode === '' || mode === 'default' || mode === 'bridge') return 'default';
  if (mode === 'none' || mode === 'host') return mode;
  throw invalidArgument(`network mode "${mode}" is not supported for builds (default, bridge, none or host)`);
}

export function createBuildApi(o: BuildServiceOptions): BuildApi {
  return {
    async build(context, opts: ImageBuildOptions, signal?: AbortSignal) {
      const tags = (opts.t ?? []).filter((t) => t !== '').map((t) => formatReference(parseTagTarget(t)));
      const network = networkOf(opts.networkmode);
      if (
        opts.platform &&
        opts.platform !== '' &&
        !opts.platform.startsWith(`${o.platform.os}/${o.platform.architecture}`)
      ) {
        throw invalidArgument(
          `platform ${opts.platform} cannot be built here: berth builds for this host only (${o.platform.os}/${o.platform.architecture})`,
        );
      }
      for (const h of opts.extrahosts ?? []) {
        if (!/^[^:]+:.+$/.test(h)) throw invalidArgument(`invalid add-host "${h}": expected host:ip`);
      }
      const dockerfile = opts.dockerfile || 'Dockerfile';
      const out = channel<BuildMessage>();
      const abort = new AbortController();
      if (signal?.aborted) abort.abort(signal.reason);
      signal?.addEventListener('abort', () => abort.abort(signal.reason), { once: true });
      const work = join(o.workDir, `ctx-${randomBytes(8).toString('hex')}`);
      const done = (async () => {
        let ctx: Awaited<ReturnType<typeof ingestContext>> | undefined;
        const started = performance.now();
        let ingested = started;
        try {
          ctx = await ingestContext(context, work, {
            keep: (p) => p === dockerfile.replace(/^\.?\//, '') || p === '.dockerignore',
            signal: abort.signal,
          });
          ingested = performance.now();
          const result = await runBuild(o, {
            context: ctx,
            dockerfile: dockerfile.replace(/^\.?\//, ''),
            buildArgs: opts.buildargs ?? {},
            ...(opts.target ? { target: opts.target } : {}),
            noCache: opts.nocache === true,
            labels: opts.labels ?? {},
            tags,
            network,
            extraHosts: opts.extrahosts ?? [],
            quiet: opts.q === true,
            output: {
              stream: (text) => out.push({ stream: text }),
              aux: (id) => out.push({ aux: { ID: id } }),
            },
            signal: abort.signal,
          });
          o.log?.('info', 'build finished', {
            image: result.imageId,
            cached: result.cached,
            executed: result.executed,
            contextMs: Math.round(ingested - started),
            buildMs: Math.round(performance.now() - ingested),
          });
        } catch (err) {
          const e = toBerthError(err);
          if (!abort.signal.aborted) o.log?.('info', 'build failed', { err: e.message });
          out.push({ errorDetail: { message: e.message }, error: e.message });
        } finally {
          await ctx?.close().catch(() => {});
          out.end();
        }
      })();
      void done;
      return {
        async *[Symbol.asyncIterator]() {
          let finished = false;
          try {
            for await (const m of out.iterable) yield m;
            finished = true;
          } finally {
            // The reader went away before the end: cancel the build and let it clean up.
            if (!finished) abort.abort(new Error('build cancelled'));
            await done;
          }
        },
      };
    },

    async prune(opts: BuildPruneOptions = {}): Promise<BuildPruneResponse> {
      const untilMs = parseUntil(opts.filters?.until?.[0]);
      const victims = o.cache.selectForPrune({
        all: opts.all,
        ...(untilMs !== undefined ? { untilMs } : {}),
        ...(opts.keepStorage ? { keepBytes: opts.keepStorage } : {}),
      });
      for (const v of victims) o.cache.delete(v.key);
      // Layers that no image and no remaining cache entry uses go too.
      const used = new Set<string>();
      const usedBlobs = new Set<string>();
      for (const img of await o.images.list()) {
        for (const l of img.layers) {
          used.add(l.chainId);
          usedBlobs.add(l.blob.digest);
        }
      }
      for (const e of o.cache.list()) {
        for (const l of e.state.layers) {
          used.add(l.chainId);
          usedBlobs.add(l.blob.digest);
        }
      }
      let reclaimed = 0;
      const seen = new Set<string>();
      for (const v of victims) {
        for (const l of [...v.state.layers].reverse()) {
          if (used.has(l.chainId) || seen.has(l.chainId)) continue;
          seen.add(l.chainId);
          try {
            await o.snapshotter.remove(l.chainId);
            reclaimed += l.size;
          } catch (err) {
            if (!isCode(err, 'not-found') && !isCode(err, 'conflict')) throw err;
          }
          if (!usedBlobs.has(l.blob.digest)) await o.content.delete(l.blob.digest as Digest).catch(() => {});
        }
      }
      return { CachesDeleted: victims.map((v) => v.key), SpaceReclaimed: reclaimed };
    },
  };
}

/** `until` as Docker takes it: a Go duration before now (`24h`) or a timestamp. */
function parseUntil(v: string | undefined): number | undefined {
  if (v === undefined || v === '') return undefined;
  const m = /^(\d+(?:\.\d+)?)(s|m|h)$/.exec(v);
  if (m) return Date.now() - Number(m[1]) * { s: 1e3, m: 60e3, h: 3600e3 }[m[2] as 's' | 'm' | 'h'];
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw invalidArgument(`invalid filter 'until=${v}'`);
  return t;
}
