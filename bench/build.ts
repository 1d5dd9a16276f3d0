/**
 * Builds: a 10-step multi-stage Dockerfile over a 50 MB context of small
 * files (BENCH_CTX_FILES files of 10 kB, default 5000).
 *
 * - cached rebuild (`berth build` with every step answered from the cache)
 *   against the floor of just packing the context (`tar -cf - . | cat > /dev/null`;
 *   not `> /dev/null`, which GNU tar short-cuts without reading the files):
 *   target ≤ 2×;
 * - cold build (`--no-cache`) against running the same steps directly with
 *   sh on the host: target ≤ 1.5×.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestDaemon } from '../test/helpers/daemon.ts';

const FILES = Number(process.env.BENCH_CTX_FILES ?? 5000);
const RUNS = Number(process.env.BENCH_BUILD_RUNS ?? 5);

const DOCKERFILE = `FROM busybox AS builder
WORKDIR /src
COPY . .
RUN find . -type f | wc -l > /count && cat data/d0/* | md5sum > /sum
RUN tar -cf /data.tar data && ls -l /data.tar | wc -l >> /count
FROM busybox
ENV APP=/app
WORKDIR /app
COPY --from=builder /count /sum ./
RUN cat count sum > info
`;

/** The same steps, run directly by sh on the host (in `dir`). */
const HOST_SCRIPT = `set -e
mkdir -p src && cp -a ctx/. src/ && cd src
find . -type f | wc -l > ../count && cat data/d0/* | md5sum > ../sum
tar -cf ../data.tar data && ls -l ../data.tar | wc -l >> ../count
cd .. && mkdir -p app && cp count sum app/ && cat app/count app/sum > app/info
`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? Number.NaN;
}

function timeIt(fn: () => void): number {
  const t = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t) / 1e6;
}

export async function benchBuild(d: TestDaemon): Promise<void> {
  const dir = mkdtempSync('/tmp/berth-bench-build-');
  try {
    const ctx = join(dir, 'ctx');
    for (let i = 0; i < FILES; i++) {
      const sub = join(ctx, 'data', `d${i % 50}`);
      if (i < 50) mkdirSync(sub, { recursive: true });
      writeFileSync(join(sub, `f${i}.txt`), randomBytes(10 * 1024));
    }
    writeFileSync(join(ctx, 'Dockerfile'), DOCKERFILE);
    const size = Number(execFileSync('du', ['-sb', ctx], { encoding: 'utf8' }).split('\t')[0]);

    const build = (args: string[]) => {
      const r = d.berth(['build', ...args, '-t', 'bench-build:1', ctx], { timeoutMs: 600_000 });
      if (r.code !== 0) throw new Error(`build failed: ${r.stderr}\n${r.stdout}`);
      return r.stdout;
    };
    const floor = () => {
      // Through a pipe: GNU tar writing straight to /dev/null notices it and reads no file at all.
      const r = spawnSync('sh', ['-c', `tar -cf - -C ${ctx} . | cat > /dev/null`]);
      if (r.status !== 0) throw new Error('tar failed');
    };
    const host = () => {
      const w = join(dir, 'host');
      rmSync(w, { recursive: true, force: true });
      mkdirSync(w);
      execFileSync('ln', ['-s', ctx, join(w, 'ctx')]);
      execFileSync('sh', ['-c', HOST_SCRIPT], { cwd: w });
      rmSync(w, { recursive: true, force: true });
    };

    build([]); // warm: the cache now holds every step
    const cached: number[] = [];
    const floors: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      floors.push(timeIt(floor));
      let out = '';
      cached.push(
        timeIt(() => {
          out = build([]);
        }),
      );
      if (/Running in/.test(out)) throw new Error(`a cached rebuild ran a step:\n${out}`);
    }
    const cold: number[] = [];
    const hosts: number[] = [];
    for (let i = 0; i < Math.max(3, Math.ceil(RUNS / 2)); i++) {
      hosts.push(timeIt(host));
      cold.push(timeIt(() => build(['--no-cache'])));
    }
    const c = median(cached);
    const f = median(floors);
    const k = median(cold);
    const h = median(hosts);
    console.log(
      `build, 10 steps, context ${FILES} files ${(size / 1e6).toFixed(1)} MB: cached rebuild median ${c.toFixed(0)} ms, floor (tar of the context through a pipe to /dev/null) ${f.toFixed(0)} ms, ratio ${(c / f).toFixed(2)} (target ≤ 2)`,
    );
    console.log(
      `build cold (--no-cache) median ${k.toFixed(0)} ms, the same steps with sh on the host ${h.toFixed(0)} ms, ratio ${(k / h).toFixed(2)} (target ≤ 1.5)`,
    );
    d.berth(['rmi', 'bench-build:1']);
    d.berth(['builder', 'prune', '-a', '-f']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
