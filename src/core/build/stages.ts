/**
 * Build stages and build-argument scoping, as Docker defines them. Pure.
 *
 * - ARGs before the first FROM are *global* (meta) args: usable in FROM lines
 *   only. A stage sees one only after re-declaring it (`ARG NAME` without a
 *   value), then with its global value (a `--build-arg` overrides it).
 * - In a stage, `ARG name[=default]` makes `name` visible from that line on:
 *   the `--build-arg` value if given, else the default (expanded where it
 *   stands), else the global value, else unset.
 * - ENV always wins over an ARG of the same name.
 * - Predefined args: the proxy variables (passed to RUN without a
 *   declaration, and kept out of the image and history), and the platform
 *   args (TARGETPLATFORM, BUILDPLATFORM, ...: automatic in the global scope,
 *   visible in a stage once declared).
 * - Stages: `FROM image [AS name]`; a FROM naming an earlier stage builds on
 *   it; `COPY --from` and `RUN --mount=from=` name a stage (by name or index)
 *   or an image. Only the stages the target needs are built.
 */
import type { Platform } from '../../oci/image.ts';
import type { Dockerfile, Instruction } from './instructions.ts';
import { type EnvLookup, expandWord } from './shell-lex.ts';

export type FromInstruction = Extract<Instruction, { kind: 'FROM' }>;

export interface Stage {
  index: number;
  /** Lower-cased `AS` name. */
  name?: string;
  from: FromInstruction;
  /** The instructions after FROM, up to the next FROM. */
  instructions: Instruction[];
}

export interface StagePlan {
  /** Global ARG instructions, in order. */
  globalArgs: Extract<Instruction, { kind: 'ARG' }>[];
  stages: Stage[];
}

/** The proxy args Docker passes to RUN without a declaration. */
export const PROXY_ARGS: readonly string[] = [
  'HTTP_PROXY',
  'http_proxy',
  'HTTPS_PROXY',
  'https_proxy',
  'FTP_PROXY',
  'ftp_proxy',
  'NO_PROXY',
  'no_proxy',
  'ALL_PROXY',
  'all_proxy',
];

/** The platform args for a build on and for `platform`. */
export function platformArgs(platform: Platform): Map<string, string> {
  const p = `${platform.os}/${platform.architecture}${platform.variant ? `/${platform.variant}` : ''}`;
  const m = new Map<string, string>();
  for (const prefix of ['TARGET', 'BUILD']) {
    m.set(`${prefix}PLATFORM`, p);
    m.set(`${prefix}OS`, platform.os);
    m.set(`${prefix}ARCH`, platform.architecture);
    m.set(`${prefix}VARIANT`, platform.variant ?? '');
  }
  return m;
}

/** Splits a Dockerfile into its global ARGs and its stages. */
export function splitStages(df: Dockerfile): StagePlan {
  const plan: StagePlan = { globalArgs: [], stages: [] };
  for (const ins of df.instructions) {
    if (ins.kind === 'FROM') {
      const st: Stage = { index: plan.stages.length, from: ins, instructions: [] };
      if (ins.stageName !== undefined) st.name = ins.stageName;
      plan.stages.push(st);
    } else if (plan.stages.length === 0) {
      if (ins.kind === 'ARG') plan.globalArgs.push(ins);
    } else plan.stages.at(-1)!.instructions.push(ins);
  }
  return plan;
}

/** Build-argument state of one build: the values given, and which ones were used. */
export class BuildArgs {
  readonly #given: Map<string, string | undefined>;
  readonly #used = new Set<string>();
  readonly #platform: Map<string, string>;
  /** Global args and their values (after overrides). */
  readonly global = new Map<string, string | undefined>();

  constructor(given: Record<string, string | null | undefined>, platform: Platform) {
    this.#given = new Map(Object.entries(given).map(([k, v]) => [k, v ?? undefined]));
    this.#platform = platformArgs(platform);
  }

  /** Evaluates the global ARGs in order (each default may use the ones before and the platform args). */
  evalGlobal(args: StagePlan['globalArgs'], escChar: string): void {
    for (const ins of args) {
      for (const a of ins.args) {
        const v = this.#given.has(a.name)
          ? this.#given.get(a.name)
          : a.value === undefined
            ? undefined
            : expandWord(a.value, (n) => this.globalLookup(n), { escape: escChar });
        if (this.#given.has(a.name)) this.#used.add(a.name);
        this.global.set(a.name, v);
      }
    }
  }

  /** Lookup for FROM lines: global args, then the automatic platform args. */
  globalLookup(name: string): string | undefined {
    if (this.global.has(name)) return this.global.get(name);
    return this.#platform.get(name);
  }

  /** The value an in-stage `ARG name[=default]` takes; `expandedDefault` is its default already expanded. */
  declare(name: string, expandedDefault: string | undefined): string | undefined {
    if (this.#given.has(name)) {
      this.#used.add(name);
      const v = this.#given.get(name);
      if (v !== undefined) return v;
    }
    if (expandedDefault !== undefined) return expandedDefault;
    if (this.global.has(name)) return this.global.get(name);
    return this.#platform.get(name);
  }

  /** Proxy args given with --build-arg (passed to RUN undeclared). */
  proxies(): Map<string, string> {
    const m = new Map<string, string>();
    for (const k of PROXY_ARGS) {
      const v = this.#given.get(k);
      if (v !== undefined) m.set(k, v);
    }
    return m;
  }

  /** `--build-arg`s nothing declared (proxies excepted), sorted: Docker warns about them. */
  unused(): string[] {
    return [...this.#given.keys()].filter((k) => !this.#used.has(k) && !PROXY_ARGS.includes(k)).sort();
  }
}

/**
 * Variables in scope in a stage: its ENV (from the base image on) and its
 * declared ARGs. Lookups give ENV precedence.
 */
export class StageScope {
  readonly env = new Map<string, string>();
  /** Declared args in declaration order; undefined = declared without a value. */
  readonly args = new Map<string, string | undefined>();

  constructor(imageEnv: readonly string[]) {
    for (const kv of imageEnv) {
      const i = kv.indexOf('=');
      if (i < 0) this.env.set(kv, '');
      else this.env.set(kv.slice(0, i), kv.slice(i + 1));
    }
  }

  readonly lookup: EnvLookup = (name) => {
    if (this.env.has(name)) return this.env.get(name);
    return this.args.get(name);
  };

  /** The image's Env list. */
  envList(): string[] {
    return [...this.env].map(([k, v]) => `${k}=${v}`);
  }

  /** Declared args with a value that no ENV shadows, as `K=v` (sorted by name): what RUN sees and its cache key. */
  argEnv(): string[] {
    return [...this.args]
      .filter(([k, v]) => v !== undefined && !this.env.has(k))
      .map(([k, v]) => `${k}=${v}`)
      .sort();
  }
}

/** What a stage builds on. */
export type StageBase = { kind: 'scratch' } | { kind: 'stage'; index: number } | { kind: 'image'; ref: string };

/** Finds an earlier stage by name or (for COPY --from) index. */
export function findStage(plan: StagePlan, ref: string, before: number, byIndex: boolean): number | undefined {
  const lower = ref.toLowerCase();
  for (const st of plan.stages) {
    if (st.index >= before) break;
    if (st.name === lower) return st.index;
  }
  if (byIndex && /^\d+$/.test(ref)) {
    const i = Number(ref);
    if (i < before) return i;
  }
  return undefined;
}

/** The base of stage `index`, its FROM expanded with the global args. */
export function stageBase(plan: StagePlan, index: number, args: BuildArgs, escChar: string): StageBase {
  const st = plan.stages[index]!;
  const image = expandWord(st.from.image, (n) => args.globalLookup(n), { escape: escChar });
  if (image === '') throw new Error(`base name (${st.from.image}) should not be blank`);
  if (image.toLowerCase() === 'scratch') return { kind: 'scratch' };
  const s = findStage(plan, image, index, false);
  if (s !== undefined) return { kind: 'stage', index: s };
  return { kind: 'image', ref: image };
}

/**
 * The stages `target` (a name, or undefined for the last stage) needs, in
 * dependency order, target last. Stage references in `--from` are expanded
 * with the global args (a reference that uses a stage-local variable is
 * resolved when the step runs).
 */
export function stagesFor(plan: StagePlan, target: string | undefined, args: BuildArgs, escChar: string): number[] {
  let t = plan.stages.length - 1;
  if (target !== undefined && target !== '') {
    const i = plan.stages.findIndex((s) => s.name === target.toLowerCase());
    if (i < 0) throw new Error(`target stage "${target}" could not be found`);
    t = i;
  }
  const order: number[] = [];
  const seen = new Set<number>();
  const visit = (i: number) => {
    if (seen.has(i)) return;
    seen.add(i);
    for (const d of stageDeps(plan, i, args, escChar)) visit(d);
    order.push(i);
  };
  visit(t);
  return order;
}

/** The stages stage `i` depends on (its base and `--from` references). */
export function stageDeps(plan: StagePlan, i: number, args: BuildArgs, escChar: string): number[] {
  const deps = new Set<number>();
  const base = stageBase(plan, i, args, escChar);
  if (base.kind === 'stage') deps.add(base.index);
  const expand = (s: string) => {
    try {
      return expandWord(s, (n) => args.globalLookup(n), { escape: escChar });
    } catch {
      return s;
    }
  };
  const refs: string[] = [];
  for (const ins of plan.stages[i]!.instructions) {
    const each = ins.kind === 'ONBUILD' ? [ins, ins.parsed] : [ins];
    for (const x of each) {
      if ((x.kind === 'COPY' || x.kind === 'ADD') && x.from !== undefined) refs.push(x.from);
      if (x.kind === 'RUN') for (const m of x.mounts) if (m.from !== undefined) refs.push(m.from);
    }
  }
  for (const r of refs) {
    const s = findStage(plan, expand(r), i, true);
    if (s !== undefined) deps.add(s);
  }
  return [...deps];
}
