/**
 * The build executor: a parsed Dockerfile and a context in, an image out.
 *
 * Each stage the target needs is built once (stages run in parallel where
 * they do not depend on each other). A stage starts from a local image,
 * `scratch` or an earlier stage, runs its base image's ONBUILD triggers, then
 * its instructions in order. Every step maps one image state (config +
 * layers, see cache.ts) to the next and is looked up in the build cache
 * first:
 *
 * - RUN: a snapshot is prepared on the state's top layer and mounted, the
 *   command runs in a real container (the StepRunner port) and the snapshot's
 *   diff becomes the new layer;
 * - COPY/ADD: the same snapshot, filled by copy.ts instead of a process;
 * - everything else changes only the config (no layer; history `empty_layer`).
 *
 * New layers are written with core/images (writeLayerBlob; uncompressed, as
 * Docker's own layer store keeps them) and unpacked into the snapshotter; the
 * image documents are made with core/images/commit.ts (childImageDocs,
 * writeChildImage), and only the final state becomes an image record
 * (ImageService.create), so intermediate states never show in `images`. A
 * failing or cancelled step unmounts and removes its snapshot: nothing is
 * left behind.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomBytes } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { mount, unmount } from '../../host/mount.ts';
import { type Digest, shortId } from '../../lib/digest.ts';
import { dockerignoreMatcher } from '../../lib/dockerignore.ts';
import { BerthError, invalidArgument, isCode, notFound } from '../../lib/errors.ts';
import type { ImageConfig, ImageRuntimeConfig, Platform } from '../../oci/image.ts';
import { MediaType } from '../../oci/media-types.ts';
import type { ContentStore } from '../content/types.ts';
import { childImageDocs, writeChildImage, writeLayerBlob } from '../images/commit.ts';
import type { ImageRecord, ImageService, LayerRecord } from '../images/types.ts';
import type { Snapshotter } from '../snapshots/types.ts';
import { type BuildCache, type BuildState, stateId, stepKey } from './cache.ts';
import type { BuildContext } from './context.ts';
import { cleanPath } from './context.ts';
import { copyInto, diskTree, fileDigest, matchSources, parseChmod, resolveChown, resolveInRoot } from './copy.ts';
import { type CommandLine, type Dockerfile, type Instruction, readDockerfile, type RunMount } from './instructions.ts';
import { DockerfileError } from './parser.ts';
import { expandWord, LexError } from './shell-lex.ts';
import { BuildArgs, type Stage, type StagePlan, StageScope, splitStages, stageBase, stagesFor } from './stages.ts';

/** A mount into a RUN step's container: a bind of `source`, or (with `tmpfs`) a fresh tmpfs. */
export interface StepMount {
  source: string;
  destination: string;
  readonly: boolean;
  /** A tmpfs instead of a bind (`source` unused); `size` in bytes, 0 = the kernel's default. */
  tmpfs?: { size: number };
}

export interface RunStepOptions {
  /** A unique ID for the step's container. */
  id: string;
  /** The mounted root filesystem. */
  rootfs: string;
  args: string[];
  env: string[];
  /** `user[:group]` as in the image config ('' = root). */
  user: string;
  cwd: string;
  network: 'none' | 'host' | 'default';
  mounts: StepMount[];
  /** `host:ip` entries for /etc/hosts. */
  extraHosts: string[];
  /** Receives the process's stdout and stderr. */
  output: (chunk: Uint8Array) => void;
  signal?: AbortSignal;
}

/**
 * Runs one RUN step's process to completion in a container on a prepared
 * root filesystem; returns its exit code. Implemented by engine/local over
 * the OCI runtime. Must leave no runtime state behind, also when aborted.
 */
export interface StepRunner {
  run(opts: RunStepOptions): Promise<number>;
}

export interface BuildDeps {
  images: ImageService;
  content: ContentStore;
  snapshotter: Snapshotter;
  runner: StepRunner;
  cache: BuildCache;
  /** Scratch space for mounts and unpacked sources (under the data root). */
  workDir: string;
  /** Where `RUN --mount=type=cache` directories live (kept between builds). */
  cacheMountDir: string;
  platform: Platform;
}

/** Progress of a build, as Docker's JSON message stream carries it. */
export interface BuildOutput {
  /** A chunk of human-readable output (`stream`). */
  stream(text: string): void;
  /** The built image's ID (`aux`), once. */
  aux(id: string): void;
}

export interface BuildOptions {
  context: BuildContext;
  /** Path of the Dockerfile in the context. */
  dockerfile: string;
  buildArgs: Record<string, string | null>;
  target?: string;
  noCache: boolean;
  /** Labels set on the final image. */
  labels: Record<string, string>;
  /** Canonical names to give the image. */
  tags: string[];
  network?: 'none' | 'host' | 'default';
  extraHosts?: string[];
  /** Only the image ID goes to the output (plus errors). */
  quiet?: boolean;
  output: BuildOutput;
  signal?: AbortSignal;
}

export interface BuildResult {
  imageId: Digest;
  /** Steps answered from the cache and steps executed. */
  cached: number;
  executed: number;
}

const DEFAULT_SHELL = ['/bin/sh', '-c'];
/** Where a RUN heredoc script with a #! line is mounted (under /dev, a tmpfs, so nothing lands in the layer). */
const HEREDOC_DIR = '/dev/.berth-heredoc';
const MAX_LAYERS = 125;

interface StageResult {
  state: BuildState;
}

/** Runs a build. Errors are BerthErrors; a DockerfileError names the file and line. */
export async function runBuild(deps: BuildDeps, opts: BuildOptions): Promise<BuildResult> {
  return new Build(deps, opts).run();
}

class Build {
  readonly #d: BuildDeps;
  readonly #o: BuildOptions;
  readonly #file: string;
  #df!: Dockerfile;
  #plan!: StagePlan;
  #args!: BuildArgs;
  readonly #stages = new Map<number, Promise<StageResult>>();
  #stepTotal = 0;
  /** First step number of each needed stage (steps are numbered in build order, deps first). */
  readonly #stepBase = new Map<number, number>();
  /** Which stage the running code belongs to, so its output can be kept in order. */
  readonly #als = new AsyncLocalStorage<{ stage: number; step: number }>();
  #order: number[] = [];
  #head = 0;
  readonly #held = new Map<number, string[]>();
  readonly #done = new Set<number>();
  #cached = 0;
  #executed = 0;
  readonly #scratch: string;

  constructor(deps: BuildDeps, opts: BuildOptions) {
    this.#d = deps;
    this.#o = opts;
    this.#file = opts.dockerfile || 'Dockerfile';
    this.#scratch = join(deps.workDir, `b-${randomBytes(6).toString('hex')}`);
  }

  /**
   * Progress text. Stages run in parallel but their output is shown one
   * stage at a time, in build order: a stage's text is held until the stages
   * before it are done.
   */
  #say(text: string): void {
    if (this.#o.quiet) return;
    const stage = this.#als.getStore()?.stage;
    // Stages outside the plan (reached through a --from only known at run time) write directly.
    if (stage === undefined || stage === this.#order[this.#head] || !this.#order.includes(stage)) {
      this.#o.output.stream(text);
    } else this.#held.set(stage, [...(this.#held.get(stage) ?? []), text]);
  }

  #stageDone(stage: number): void {
    this.#done.add(stage);
    while (this.#head < this.#order.length && this.#done.has(this.#order[this.#head]!)) {
      this.#head++;
      const next = this.#order[this.#head];
      if (next === undefined) break;
      for (const t of this.#held.get(next) ?? []) if (!this.#o.quiet) this.#o.output.stream(t);
      this.#held.delete(next);
    }
  }

  async run(): Promise<BuildResult> {
    const text = this.#o.context.text(this.#file);
    if (text === undefined) {
      throw invalidArgument(`Cannot locate specified Dockerfile: ${this.#file}`);
    }
    // A Dockerfile the client added from outside the context has a generated name: errors say "Dockerfile".
    this.#df = readDockerfile(text, this.#displayName());
    for (const w of this.#df.warnings) this.#say(`[WARNING]: ${w}\n`);
    this.#plan = splitStages(this.#df);
    this.#args = new BuildArgs(this.#o.buildArgs, this.#d.platform);
    this.#args.evalGlobal(this.#plan.globalArgs, this.#df.escape);
    let order: number[];
    try {
      order = stagesFor(this.#plan, this.#o.target, this.#args, this.#df.escape);
    } catch (err) {
      throw invalidArgument(`failed to reach build target: ${(err as Error).message}`);
    }
    this.#order = order;
    for (const i of order) {
      this.#stepBase.set(i, this.#stepTotal);
      this.#stepTotal += 1 + this.#plan.stages[i]!.instructions.length;
    }
    await mkdir(this.#scratch, { recursive: true, mode: 0o700 });
    try {
      const target = order.at(-1)!;
      // Start every needed stage now, so independent ones run in parallel.
      const all = order.map((i) => this.#stage(i));
      const results = await Promise.allSettled(all);
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw (failed as PromiseRejectedResult).reason;
      const { state } = await this.#stage(target);
      const unused = this.#args.unused();
      if (unused.length > 0) {
        this.#say(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
      }
      const imageId = await this.#commitFinal(state);
      this.#o.output.aux(imageId);
      if (this.#o.quiet) this.#o.output.stream(`${imageId}\n`);
      else this.#say(`Successfully built ${shortId(imageId)}\n`);
      for (const t of this.#o.tags) this.#say(`Successfully tagged ${familiar(t)}\n`);
      return { imageId, cached: this.#cached, executed: this.#executed };
    } finally {
      await rm(this.#scratch, { recursive: true, force: true }).catch(() => {});
    }
  }

  #stage(index: number): Promise<StageResult> {
    let p = this.#stages.get(index);
    if (!p) {
      p = this.#als.run({ stage: index, step: this.#stepBase.get(index) ?? 0 }, () =>
        this.#buildStage(this.#plan.stages[index]!),
      );
      p.then(
        () => this.#stageDone(index),
        () => this.#stageDone(index),
      );
      this.#stages.set(index, p);
    }
    return p;
  }

  #displayName(): string {
    return posix.basename(this.#file).startsWith('.dockerfile.') ? 'Dockerfile' : this.#file;
  }

  #fail(line: number, msg: string): DockerfileError {
    return new DockerfileError(this.#displayName(), line, msg);
  }

  #expandHeredoc(text: string, scope: StageScope, line: number): string {
    try {
      return expandWord(text, scope.lookup, { escape: this.#df.escape, heredoc: true });
    } catch (err) {
      if (err instanceof LexError) throw this.#fail(line, err.message);
      throw err;
    }
  }

  #expand(word: string, scope: StageScope, line: number): string {
    try {
      return expandWord(word, scope.lookup, { escape: this.#df.escape });
    } catch (err) {
      if (err instanceof LexError) throw this.#fail(line, err.message);
      throw err;
    }
  }

  async #buildStage(stage: Stage): Promise<StageResult> {
    let base: ReturnType<typeof stageBase>;
    try {
      base = stageBase(this.#plan, stage.index, this.#args, this.#df.escape);
    } catch (err) {
      throw this.#fail(stage.from.line, (err as Error).message);
    }
    let state: BuildState;
    let baseShort: string;
    if (base.kind === 'stage') {
      state = structuredClone((await this.#stage(base.index)).state);
      baseShort = shortId(stateId(state));
    } else if (base.kind === 'scratch') {
      state = {
        config: {
          architecture: this.#d.platform.architecture,
          os: this.#d.platform.os,
          config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'] },
          rootfs: { type: 'layers', diff_ids: [] },
          history: [],
        },
        layers: [],
        docker: false,
      };
      baseShort = '';
    } else {
      state = await this.#imageState(base.ref, stage.from.line);
      baseShort = shortId(stateId(state));
    }
    this.#step(stage.from.original);
    if (baseShort) this.#say(` ---> ${baseShort}\n`);
    const scope = new StageScope(state.config.config?.Env ?? []);
    const ctx: StageCtx = { stage, scope, cmdSet: false, shell: shellOf(state.config) };
    // ONBUILD triggers of the base image run first, then are dropped from the new image.
    const triggers = state.config.config?.OnBuild ?? [];
    if (triggers.length > 0) {
      const rc = { ...(state.config.config ?? {}) };
      delete rc.OnBuild;
      state = { ...state, config: { ...state.config, config: rc } };
      this.#say(`# Executing ${triggers.length} build trigger${triggers.length > 1 ? 's' : ''}\n`);
      for (const t of triggers) {
        let ins: Instruction;
        try {
          ins = readDockerfile(`FROM scratch\n${t}`, 'ONBUILD trigger').instructions[1]!;
        } catch (err) {
          throw this.#fail(stage.from.line, `invalid ONBUILD trigger in the base image: ${(err as Error).message}`);
        }
        state = await this.#instruction(state, { ...ins, line: stage.from.line }, ctx);
      }
    }
    for (const ins of stage.instructions) {
      this.#o.signal?.throwIfAborted();
      this.#step(ins.original);
      state = await this.#instruction(state, ins, ctx);
    }
    return { state };
  }

  #step(text: string): void {
    const ctx = this.#als.getStore();
    const n = ctx ? ++ctx.step : 0;
    this.#say(`Step ${n}/${this.#stepTotal} : ${text}\n`);
  }

  async #imageState(ref: string, line: number): Promise<BuildState> {
    let record: ImageRecord;
    try {
      record = await this.#d.images.get(ref);
    } catch (err) {
      if (isCode(err, 'not-found')) {
        throw notFound(`${this.#file}:${line}: base image ${ref} not found: ${(err as Error).message}`, {
          hint: 'berth builds from local images; pull or load the base image first',
        });
      }
      throw err;
    }
    const config = await this.#d.images.config(record);
    return {
      config,
      layers: record.layers.map((l) => ({ ...l, blob: { ...l.blob } })),
      docker: record.manifest.mediaType === MediaType.dockerManifest,
    };
  }

  /** A config-only step. */
  async #meta(state: BuildState, ins: Instruction, rc: ImageRuntimeConfig, extra?: Partial<ImageConfig>) {
    const key = stepKey([stateId(state), 'meta', ins.kind, JSON.stringify(rc), JSON.stringify(extra ?? {})]);
    const hit = this.#o.noCache ? undefined : this.#d.cache.get(key);
    if (hit) {
      this.#cached++;
      this.#say(` ---> Using cache\n ---> ${shortId(stateId(hit))}\n`);
      return hit;
    }
    const next = this.#child(state, undefined, rc, ins.original);
    if (extra) Object.assign(next.config, extra);
    this.#d.cache.put(key, next, 0);
    this.#say(` ---> ${shortId(stateId(next))}\n`);
    return next;
  }

  /** The state after adding `layer` (or none) with runtime config `rc`, through core/images' document builder. */
  #child(state: BuildState, layer: LayerRecord | undefined, rc: ImageRuntimeConfig, createdBy: string): BuildState {
    const parentRecord = {
      manifest: { mediaType: state.docker ? MediaType.dockerManifest : MediaType.ociManifest },
      layers: state.layers,
    } as unknown as ImageRecord;
    const docs = childImageDocs({
      parent: { record: parentRecord, config: state.config },
      layer: layer && { blob: layer.blob, diffId: layer.diffId },
      commit: { config: rc, createdBy },
      platform: this.#d.platform,
      now: new Date().toISOString(),
    });
    const layers = layer ? [...state.layers, layer] : state.layers;
    const config = docs.config;
    if (state.config.author !== undefined && config.author === undefined) config.author = state.config.author;
    return { config, layers, docker: state.docker };
  }

  async #instruction(state: BuildState, ins: Instruction, ctx: StageCtx): Promise<BuildState> {
    const { scope } = ctx;
    const rc: ImageRuntimeConfig = structuredClone(state.config.config ?? {});
    const x = (w: string) => this.#expand(w, scope, ins.line);
    switch (ins.kind) {
      case 'FROM':
        throw this.#fail(ins.line, 'FROM inside a stage');
      case 'ARG': {
        for (const a of ins.args) {
          const dflt = a.value === undefined ? undefined : x(a.value);
          scope.args.set(a.name, this.#args.declare(a.name, dflt));
        }
        return state;
      }
      case 'ENV': {
        const pairs = ins.pairs.map(([k, v]) => [x(k), x(v)] as const);
        const env = [...(rc.Env ?? [])];
        for (const [k, v] of pairs) {
          if (k === '') throw this.#fail(ins.line, 'ENV names can not be blank');
          const i = env.findIndex((e) => e.split('=', 1)[0] === k);
          if (i >= 0) env[i] = `${k}=${v}`;
          else env.push(`${k}=${v}`);
          scope.env.set(k, v);
        }
        rc.Env = env;
        return this.#meta(state, ins, rc);
      }
      case 'LABEL': {
        const labels = { ...(rc.Labels ?? {}) };
        for (const [k, v] of ins.pairs) {
          const key = x(k);
          if (key === '') throw this.#fail(ins.line, 'LABEL names can not be blank');
          labels[key] = x(v);
        }
        rc.Labels = labels;
        return this.#meta(state, ins, rc);
      }
      case 'CMD':
      case 'ENTRYPOINT': {
        const argv = commandArgv(ins.command, ctx.shell);
        if (ins.kind === 'CMD') {
          rc.Cmd = argv;
          ctx.cmdSet = true;
        } else {
          rc.Entrypoint = argv;
          if (!ctx.cmdSet) rc.Cmd = null;
        }
        return this.#meta(state, ins, rc);
      }
      case 'SHELL':
        ctx.shell = ins.shell;
        rc.Shell = ins.shell;
        return this.#meta(state, ins, rc);
      case 'EXPOSE': {
        const ports = { ...(rc.ExposedPorts ?? {}) };
        for (const p of ins.ports) {
          for (const port of expandPorts(x(p), (m) => this.#fail(ins.line, m))) ports[port] = {};
        }
        rc.ExposedPorts = ports;
        return this.#meta(state, ins, rc);
      }
      case 'VOLUME': {
        const vols = { ...(rc.Volumes ?? {}) };
        for (const p of ins.paths) {
          const v = x(p);
          if (v.trim() === '') throw this.#fail(ins.line, 'VOLUME specified can not be an empty string');
          vols[v] = {};
        }
        rc.Volumes = vols;
        return this.#meta(state, ins, rc);
      }
      case 'USER':
        rc.User = x(ins.value);
        return this.#meta(state, ins, rc);
      case 'WORKDIR': {
        const w = x(ins.value);
        rc.WorkingDir = posix.resolve(rc.WorkingDir || '/', w);
        return this.#meta(state, ins, rc);
      }
      case 'STOPSIGNAL':
        rc.StopSignal = x(ins.value);
        return this.#meta(state, ins, rc);
      case 'MAINTAINER':
        return this.#meta(state, ins, rc, { author: ins.value });
      case 'HEALTHCHECK': {
        const h = ins.health;
        const hc: Record<string, unknown> = { Test: h.test };
        if (h.interval) hc.Interval = h.interval;
        if (h.timeout) hc.Timeout = h.timeout;
        if (h.startPeriod) hc.StartPeriod = h.startPeriod;
        if (h.startInterval) hc.StartInterval = h.startInterval;
        if (h.retries) hc.Retries = h.retries;
        rc.Healthcheck = hc as ImageRuntimeConfig['Healthcheck'];
        return this.#meta(state, ins, rc);
      }
      case 'ONBUILD':
        rc.OnBuild = [...(rc.OnBuild ?? []), ins.trigger];
        return this.#meta(state, ins, rc);
      case 'RUN':
        return this.#run(state, ins, ctx, rc);
      case 'COPY':
      case 'ADD':
        return this.#copy(state, ins, ctx, rc);
    }
  }

  /** Looks a layer step up in the cache; on a miss, runs `fill` on a mounted snapshot and commits its diff. */
  async #layerStep(
    state: BuildState,
    key: string,
    createdBy: string,
    rc: ImageRuntimeConfig,
    fill: (rootfs: string) => Promise<void>,
  ): Promise<BuildState> {
    if (!this.#o.noCache) {
      const hit = this.#d.cache.get(key);
      if (hit && (await this.#layersPresent(hit))) {
        this.#cached++;
        this.#say(` ---> Using cache\n ---> ${shortId(stateId(hit))}\n`);
        return hit;
      }
    }
    if (state.layers.length >= MAX_LAYERS) throw invalidArgument(`max depth exceeded: more than ${MAX_LAYERS} layers`);
    this.#executed++;
    const snap = `build-${randomBytes(8).toString('hex')}`;
    const parent = state.layers.at(-1)?.chainId;
    const rootfs = join(this.#scratch, snap);
    await mkdir(rootfs, { recursive: true });
    const m = await this.#d.snapshotter.prepare(snap, parent);
    let layer: LayerRecord;
    try {
      await mount(m, rootfs);
      try {
        await fill(rootfs);
      } finally {
        await unmount(rootfs);
      }
      const written = await writeLayerBlob(this.#d.content, this.#d.snapshotter.diff(snap), {
        mediaType: state.docker ? MediaType.dockerLayer : MediaType.ociLayer,
        compress: false,
        signal: this.#o.signal,
      });
      const applied = await this.#d.snapshotter.applyLayer(await this.#d.content.read(written.blob.digest), parent, {
        diffId: written.diffId,
        signal: this.#o.signal,
      });
      layer = { blob: written.blob, diffId: written.diffId, chainId: applied.chainId, size: applied.size };
    } finally {
      await this.#d.snapshotter.remove(snap).catch(() => {});
      await rm(rootfs, { recursive: true, force: true }).catch(() => {});
    }
    const next = this.#child(state, layer, rc, createdBy);
    this.#d.cache.put(key, next, layer.size);
    this.#say(` ---> ${shortId(stateId(next))}\n`);
    return next;
  }

  async #layersPresent(s: BuildState): Promise<boolean> {
    for (const l of s.layers) {
      if (!(await this.#d.snapshotter.has(l.chainId))) return false;
      if (!(await this.#d.content.has(l.blob.digest))) return false;
    }
    return true;
  }

  async #run(
    state: BuildState,
    ins: Extract<Instruction, { kind: 'RUN' }>,
    ctx: StageCtx,
    rc: ImageRuntimeConfig,
  ): Promise<BuildState> {
    const { scope } = ctx;
    let argv: string[];
    let script: string | undefined;
    if (ins.heredocs.length > 0) {
      const text = ins.command.args[0]!;
      const only = ins.heredocs.length === 1 && /^\d*<<-?["']?[^\s"']+["']?$/.test(text.trim());
      if (only) {
        const doc = ins.heredocs[0]!;
        // A heredoc that is the whole command is the script itself; a #! line picks its interpreter.
        if (doc.content.startsWith('#!')) {
          script = doc.content;
          argv = [`${HEREDOC_DIR}/script`];
        } else argv = [...ctx.shell, doc.content];
      } else {
        let script = text;
        for (const doc of ins.heredocs) script += `\n${doc.content}${doc.name}`;
        argv = [...ctx.shell, script];
      }
    } else argv = commandArgv(ins.command, ctx.shell);
    const argEnv = scope.argEnv();
    const mounts = ins.mounts.map((mnt) => expandMount(mnt, (w) => this.#expand(w, scope, ins.line)));
    const network = (ins.network ?? this.#o.network ?? 'default') as RunStepOptions['network'];
    // Docker's created_by for a RUN: the declared build args, then the command.
    const createdBy = `RUN ${argEnv.length ? `|${argEnv.length} ${argEnv.join(' ')} ` : ''}${argv.join(' ')}`;
    const mountKey = await Promise.all(mounts.map((mnt) => this.#mountKey(mnt, ins.line)));
    const key = stepKey([stateId(state), 'run', JSON.stringify(argv), script ?? '', ...argEnv, network, ...mountKey]);
    return this.#layerStep(state, key, createdBy, rc, async (rootfs) => {
      const cwd = rc.WorkingDir || '/';
      await mkdir(await resolveInRoot(rootfs, cwd), { recursive: true });
      const env = [...argEnv.filter((kv) => !scope.env.has(kv.split('=', 1)[0]!)), ...(rc.Env ?? [])];
      for (const [k, v] of this.#args.proxies()) if (!env.some((e) => e.startsWith(`${k}=`))) env.push(`${k}=${v}`);
      const id = randomBytes(32).toString('hex');
      const cleanups: (() => Promise<void>)[] = [];
      try {
        const stepMounts: StepMount[] = [];
        for (const mnt of mounts) {
          const sm = await this.#prepareMount(mnt, ins.line, cleanups);
          if (sm) stepMounts.push(sm);
        }
        if (script !== undefined) {
          const dir = join(this.#scratch, `heredoc-${randomBytes(6).toString('hex')}`);
          await mkdir(dir);
          cleanups.push(() => rm(dir, { recursive: true, force: true }));
          await writeFile(join(dir, 'script'), script, { mode: 0o755 });
          stepMounts.push({ source: dir, destination: HEREDOC_DIR, readonly: true });
        }
        this.#say(` ---> Running in ${id.slice(0, 12)}\n`);
        const code = await this.#d.runner.run({
          id,
          rootfs,
          args: argv,
          env,
          user: rc.User ?? '',
          cwd,
          network,
          mounts: stepMounts,
          extraHosts: this.#o.extraHosts ?? [],
          output: (chunk) => {
            this.#say(Buffer.from(chunk).toString('utf8'));
          },
          signal: this.#o.signal,
        });
        this.#o.signal?.throwIfAborted();
        if (code !== 0) {
          throw new BerthError('invalid-argument', `The command '${argv.join(' ')}' returned a non-zero code: ${code}`);
        }
      } finally {
        for (const c of cleanups.reverse()) await c().catch(() => {});
      }
    });
  }

  async #mountKey(m: RunMount, line: number): Promise<string> {
    if (m.type === 'bind' && m.from === undefined) {
      return `bind:${m.target}:${m.readonly}:${this.#contextDigest([m.source ?? ''], line)}`;
    }
    if (m.from !== undefined && m.type !== 'cache') {
      const s = await this.#fromState(m.from, line);
      return `${m.type}:${m.target}:${m.source ?? ''}:${stateId(s.state)}`;
    }
    // A cache mount's content is not part of the key (as in BuildKit): it is a cache.
    return `${m.type}:${m.target}:${m.id ?? ''}:${m.readonly}`;
  }

  async #prepareMount(m: RunMount, line: number, cleanups: (() => Promise<void>)[]): Promise<StepMount | undefined> {
    const target = m.target;
    switch (m.type) {
      case 'cache': {
        const id = (m.id || target).replace(/[^A-Za-z0-9_.-]/g, '_');
        const dir = join(this.#d.cacheMountDir, id);
        const fresh = !(await import('node:fs').then((fs) => fs.existsSync(dir)));
        await mkdir(dir, { recursive: true, mode: m.mode ?? 0o755 });
        if (fresh && (m.uid !== undefined || m.gid !== undefined)) {
          const { chown } = await import('node:fs/promises');
          await chown(dir, m.uid ?? 0, m.gid ?? 0);
        }
        return { source: dir, destination: target, readonly: m.readonly };
      }
      case 'tmpfs':
        return { source: '', destination: target, readonly: false, tmpfs: { size: m.size ?? 0 } };
      case 'bind': {
        let root: string;
        if (m.from === undefined) root = await this.#o.context.dir();
        else root = await this.#mountState((await this.#fromState(m.from, line)).state, cleanups);
        const src = await resolveInRoot(root, m.source ?? '/');
        if (!m.readonly) {
          // A writable bind: writes are discarded, as in BuildKit (the mount is a copy).
          const copy = join(this.#scratch, `bind-${randomBytes(6).toString('hex')}`);
          await import('node:fs/promises').then((fs) => fs.cp(src, copy, { recursive: true, verbatimSymlinks: true }));
          cleanups.push(() => rm(copy, { recursive: true, force: true }));
          return { source: copy, destination: target, readonly: false };
        }
        return { source: src, destination: target, readonly: true };
      }
      case 'secret':
        // The classic build API carries no secrets: an optional secret is absent, as in BuildKit.
        if (m.required) {
          throw this.#fail(line, `secret ${m.id ?? target} is required but no secrets were given to this build`);
        }
        return undefined;
      case 'ssh':
        throw this.#fail(line, 'RUN --mount=type=ssh is not supported by berth');
    }
  }

  /** Mounts a state's layers read-only (a temporary snapshot) and returns the mount point. */
  async #mountState(state: BuildState, cleanups: (() => Promise<void>)[]): Promise<string> {
    const snap = `build-ro-${randomBytes(8).toString('hex')}`;
    const dir = join(this.#scratch, snap);
    await mkdir(dir, { recursive: true });
    const m = await this.#d.snapshotter.prepare(snap, state.layers.at(-1)?.chainId);
    cleanups.push(async () => {
      await this.#d.snapshotter.remove(snap).catch(() => {});
      await rm(dir, { recursive: true, force: true });
    });
    await mount(m, dir);
    cleanups.push(() => unmount(dir));
    return dir;
  }

  /** The state a `--from` names: an earlier stage (name or index) or an image. */
  async #fromState(ref: string, line: number): Promise<{ state: BuildState }> {
    const lower = ref.toLowerCase();
    // Only earlier stages (a later or the same one would wait on itself); other names are images.
    const current = this.#als.getStore()?.stage ?? this.#plan.stages.length;
    for (const st of this.#plan.stages) {
      if (st.index >= current) break;
      if (st.name === lower) return this.#stage(st.index);
    }
    if (/^\d+$/.test(ref) && Number(ref) < current) return this.#stage(Number(ref));
    return { state: await this.#imageState(ref, line) };
  }

  /** Content digest of context sources (paths/globs), from the context index; no timestamps. */
  #contextDigest(patterns: string[], line: number, exclude?: (path: string) => boolean): string {
    const entries = this.#o.context.entries;
    const parts: string[] = [];
    for (const p of patterns) {
      const matched = matchIndex(entries, p);
      if (matched.length === 0) {
        throw this.#fail(line, `file not found in build context or excluded by .dockerignore: ${p}`);
      }
      for (const m of matched) {
        for (const [path, e] of entries) {
          if ((m === '' || path === m || path.startsWith(`${m}/`)) && !exclude?.(path)) {
            parts.push(`${path}\0${e.type}\0${e.mode.toString(8)}\0${e.linkname}\0${e.digest}`);
          }
        }
      }
    }
    return stepKey(parts.sort());
  }

  async #copy(
    state: BuildState,
    ins: Extract<Instruction, { kind: 'COPY' | 'ADD' }>,
    ctx: StageCtx,
    rc: ImageRuntimeConfig,
  ): Promise<BuildState> {
    const { scope } = ctx;
    const x = (w: string) => this.#expand(w, scope, ins.line);
    const isAdd = ins.kind === 'ADD';
    const docs = new Map(ins.heredocs.map((h) => [h.name, h]));
    const sources: { kind: 'context' | 'from' | 'heredoc' | 'url'; value: string }[] = [];
    for (const raw of ins.sources) {
      const hd = /^\d*<<-?(.*)$/.exec(raw);
      const name = hd ? hd[1]!.replace(/^["']|["']$/g, '') : undefined;
      if (name !== undefined && docs.has(name)) {
        const d = docs.get(name)!;
        sources.push({ kind: 'heredoc', value: name });
        if (d.expand) d.content = this.#expandHeredoc(d.content, scope, ins.line);
        continue;
      }
      const v = x(raw);
      if (/^https?:\/\//.test(v)) {
        if (!isAdd) throw this.#fail(ins.line, `COPY does not take URLs (use ADD): ${v}`);
        if (ins.from !== undefined) throw this.#fail(ins.line, 'ADD --from cannot fetch a URL');
        sources.push({ kind: 'url', value: v });
      } else sources.push({ kind: ins.from !== undefined ? 'from' : 'context', value: v });
    }
    const dest0 = x(ins.dest);
    const cwd = rc.WorkingDir || '/';
    const dest = dest0.startsWith('/')
      ? dest0
      : `${posix.join(cwd, dest0)}${dest0.endsWith('/') || dest0 === '.' ? '/' : ''}`;
    const chownSpec = ins.chown === undefined ? undefined : x(ins.chown);
    const chmod = ins.chmod === undefined ? undefined : parseChmodAt(x(ins.chmod), (m) => this.#fail(ins.line, m));
    const fromRef = ins.from === undefined ? undefined : x(ins.from);
    const fromState = fromRef === undefined ? undefined : await this.#fromState(fromRef, ins.line);
    const excludes = ins.exclude.map(x);
    const excluder = excludes.length > 0 ? dockerignoreMatcher(excludes.join('\n')) : undefined;
    const exclude = excluder ? (p: string) => excluder.excludes(p) : undefined;

    // The cache key: sources by content.
    const keyParts: string[] = [stateId(state), ins.kind, dest, chownSpec ?? '', String(chmod ?? ''), ...excludes];
    const downloads = new Map<string, string>();
    for (const s of sources) {
      if (s.kind === 'context') keyParts.push(`ctx:${s.value}:${this.#contextDigest([s.value], ins.line, exclude)}`);
      else if (s.kind === 'from') keyParts.push(`from:${s.value}:${stateId(fromState!.state)}`);
      else if (s.kind === 'heredoc') keyParts.push(`doc:${s.value}:${docs.get(s.value)!.content}`);
      else {
        const file = await this.#download(s.value, ins.line, ins.checksum);
        downloads.set(s.value, file);
        keyParts.push(`url:${s.value}:${await fileDigest(file)}`);
      }
    }
    const createdBy = `${ins.kind} ${ins.original.replace(/^\S+\s*/, '')}`;
    return this.#layerStep(state, stepKey(keyParts), createdBy, rc, async (rootfs) => {
      const chown = chownSpec === undefined ? undefined : await resolveChown(rootfs, chownSpec);
      const cleanups: (() => Promise<void>)[] = [];
      try {
        const common = {
          destRoot: rootfs,
          dest,
          chown,
          chmod,
          what: ins.kind,
          scratchDir: this.#scratch,
        };
        for (const s of sources) {
          const destFor = dest;
          if (s.kind === 'heredoc') {
            const dir = join(this.#scratch, `doc-${randomBytes(6).toString('hex')}`);
            await mkdir(dir);
            cleanups.push(() => rm(dir, { recursive: true, force: true }));
            await writeFile(join(dir, s.value), docs.get(s.value)!.content, { mode: 0o644 });
            await copyInto({
              ...common,
              srcRoot: dir,
              sources: [s.value],
              dest: destFor,
              keepOwner: false,
              unpackArchives: false,
            });
          } else if (s.kind === 'url') {
            const file = downloads.get(s.value)!;
            const name = posix.basename(new URL(s.value).pathname) || 'index.html';
            const target = destFor.endsWith('/') ? `${destFor}${name}` : destFor;
            await copyInto({
              ...common,
              chmod: chmod ?? 0o600,
              srcRoot: posix.dirname(file),
              sources: [posix.basename(file)],
              dest: target,
              keepOwner: false,
              unpackArchives: false,
            });
          } else {
            const srcRoot =
              s.kind === 'context' ? await this.#o.context.dir() : await this.#mountState(fromState!.state, cleanups);
            const tree = diskTree(srcRoot);
            const matched = await matchSources(s.value, tree.list, tree.exists);
            if (matched.length === 0) {
              throw this.#fail(
                ins.line,
                `${ins.kind} failed: no source files were specified (${s.value} matched nothing)`,
              );
            }
            const many = sources.length > 1 || matched.length > 1;
            if (many && !dest.endsWith('/')) {
              throw this.#fail(
                ins.line,
                `When using ${ins.kind} with more than one source file, the destination must be a directory and end with a /`,
              );
            }
            await copyInto({
              ...common,
              srcRoot,
              sources: matched,
              keepOwner: s.kind === 'from',
              unpackArchives: isAdd && s.kind === 'context',
              ...(exclude ? { exclude } : {}),
            });
          }
        }
      } catch (err) {
        if (err instanceof BerthError && !(err instanceof DockerfileError) && err.code === 'invalid-argument') {
          throw this.#fail(ins.line, err.message);
        }
        throw err;
      } finally {
        for (const c of cleanups.reverse()) await c().catch(() => {});
      }
    });
  }

  /** Fetches an ADD URL into the scratch dir; a clear error when unreachable. */
  async #download(url: string, line: number, checksum: string | undefined): Promise<string> {
    const dir = join(this.#scratch, `url-${randomBytes(6).toString('hex')}`);
    await mkdir(dir);
    const file = join(dir, posix.basename(new URL(url).pathname) || 'index.html');
    let res: Response;
    try {
      res = await fetch(url, {
        signal: AbortSignal.any([AbortSignal.timeout(60_000), ...(this.#o.signal ? [this.#o.signal] : [])]),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw this.#fail(
        line,
        `ADD failed: cannot fetch ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`,
      );
    }
    if (!res.ok) throw this.#fail(line, `ADD failed: cannot fetch ${url}: ${res.status} ${res.statusText}`);
    const buf = Buffer.from(await res.arrayBuffer());
    if (checksum !== undefined) {
      const { createHash } = await import('node:crypto');
      const got = `sha256:${createHash('sha256').update(buf).digest('hex')}`;
      if (got !== checksum)
        throw this.#fail(line, `ADD failed: checksum mismatch for ${url}: expected ${checksum}, got ${got}`);
    }
    await writeFile(file, buf, { mode: 0o600 });
    const lm = res.headers.get('last-modified');
    if (lm) {
      const t = new Date(lm);
      if (!Number.isNaN(t.getTime())) await import('node:fs/promises').then((fs) => fs.utimes(file, t, t));
    }
    return file;
  }

  /** Writes the final state as an image (labels from the request applied) and names it. */
  async #commitFinal(state: BuildState): Promise<Digest> {
    let final = state;
    if (Object.keys(this.#o.labels).length > 0) {
      const rc = structuredClone(state.config.config ?? {});
      rc.Labels = { ...(rc.Labels ?? {}), ...this.#o.labels };
      final = { ...state, config: { ...state.config, config: rc } };
    }
    const docker = final.docker;
    const manifestDesc = await writeChildImage(this.#d.content, {
      config: final.config,
      manifest: {
        schemaVersion: 2,
        mediaType: docker ? MediaType.dockerManifest : MediaType.ociManifest,
        config: { mediaType: docker ? MediaType.dockerConfig : MediaType.ociConfig, digest: '' as Digest, size: 0 },
        layers: final.layers.map((l) => ({ ...l.blob })),
      },
    });
    const record = await this.#d.images.create({ manifest: manifestDesc, names: this.#o.tags });
    return record.id;
  }
}

interface StageCtx {
  stage: Stage;
  scope: StageScope;
  /** A CMD was set in this stage (ENTRYPOINT then keeps it). */
  cmdSet: boolean;
  shell: string[];
}

function shellOf(config: ImageConfig): string[] {
  const s = config.config?.Shell;
  return s && s.length > 0 ? s : DEFAULT_SHELL;
}

function commandArgv(c: CommandLine, shell: string[]): string[] {
  return c.shell ? [...shell, c.args[0]!] : c.args;
}

function expandMount(m: RunMount, x: (w: string) => string): RunMount {
  const out: RunMount = { ...m, target: x(m.target) };
  if (m.source !== undefined) out.source = x(m.source);
  if (m.from !== undefined) out.from = x(m.from);
  if (m.id !== undefined) out.id = x(m.id);
  return out;
}

function parseChmodAt(spec: string, fail: (m: string) => Error): number {
  try {
    return parseChmod(spec);
  } catch (err) {
    throw fail((err as Error).message);
  }
}

/** `80`, `80/udp`, `8000-8002/tcp` → `["80/tcp"]`… */
export function expandPorts(spec: string, fail: (m: string) => Error): string[] {
  const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(spec);
  if (!m) throw fail(`invalid port "${spec}": expected <port>[-<port>][/<proto>]`);
  const from = Number(m[1]);
  const to = m[2] === undefined ? from : Number(m[2]);
  if (from < 1 || to > 65535 || to < from) throw fail(`invalid port range "${spec}"`);
  const proto = (m[3] ?? 'tcp').toLowerCase();
  const out: string[] = [];
  for (let p = from; p <= to; p++) out.push(`${p}/${proto}`);
  return out;
}

/** Matches a context path or glob against the index; '' is the whole context. */
function matchIndex(entries: ReadonlyMap<string, { type: string }>, pattern: string): string[] {
  const clean = cleanPath(pattern);
  if (clean === '') return [''];
  if (!/[*?[]/.test(clean)) return entries.has(clean) ? [clean] : [];
  const comps = clean.split('/');
  const res = comps.map((c) => {
    let re = '';
    for (let i = 0; i < c.length; i++) {
      const ch = c[i]!;
      if (ch === '*') re += '[^/]*';
      else if (ch === '?') re += '[^/]';
      else if (ch === '[') {
        const end = c.indexOf(']', i + 2);
        if (end < 0) re += '\\[';
        else {
          let body = c.slice(i + 1, end);
          if (body.startsWith('!') || body.startsWith('^')) body = `^${body.slice(1)}`;
          re += `[${body}]`;
          i = end;
        }
      } else if (ch === '\\' && i + 1 < c.length) re += c[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
      else re += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
    return new RegExp(`^${re}$`, 's');
  });
  const out: string[] = [];
  for (const path of entries.keys()) {
    const parts = path.split('/');
    if (parts.length === comps.length && parts.every((p, i) => res[i]!.test(p))) out.push(path);
  }
  return out.sort();
}

function familiar(name: string): string {
  return name.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '');
}
