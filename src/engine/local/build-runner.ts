/**
 * The StepRunner of builds: runs one RUN step's process with the OCI runtime
 * directly (`crun run`, in the foreground: no conmon, since the build owns
 * the process for exactly its lifetime), in a container with Docker's default
 * security settings (capabilities, masked paths, the default seccomp filter),
 * on the rootfs the executor mounted.
 *
 * Mount points the runtime had to create in the rootfs for its own binds
 * (/etc/hosts, /etc/resolv.conf, /etc/hostname, RUN --mount targets) are
 * removed again afterwards, so they never land in the step's layer, as with
 * Docker's init layer. Aborting kills the process; the runtime state is
 * deleted in every case.
 */
import { spawn } from 'node:child_process';
import { lstat, mkdir, readdir, readFile, rm, rmdir, writeFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { type ContainerSpec, buildOciSpec } from '../../core/containers/spec.ts';
import type { RunStepOptions, StepRunner } from '../../core/build/executor.ts';
import { resolveInRoot } from '../../core/build/copy.ts';
import { run } from '../../host/exec.ts';
import { resolveUser } from './rootfs-files.ts';

export interface BuildRunnerOptions {
  /** The OCI runtime binary (crun or runc). */
  runtimePath: string;
  /** The runtime's state root (`--root`). */
  runtimeRoot: string;
  /** Where bundles go (one directory per step, deleted after). */
  bundleDir: string;
  cgroupV2: boolean;
  seccomp?: ContainerSpec['seccomp'];
  hostCaps?: readonly string[];
}

const HOSTS = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n';

export function createBuildRunner(o: BuildRunnerOptions): StepRunner {
  return {
    async run(step: RunStepOptions): Promise<number> {
      const bundle = join(o.bundleDir, step.id);
      await mkdir(bundle, { recursive: true, mode: 0o700 });
      const hostname = step.id.slice(0, 12);
      const hostNet = step.network === 'host' || step.network === 'default';
      await writeFile(join(bundle, 'hostname'), `${hostname}\n`);
      const baseHosts = hostNet ? await readFile('/etc/hosts', 'utf8').catch(() => HOSTS) : HOSTS;
      const extra = step.extraHosts.map((h) => {
        const i = h.indexOf(':');
        return `${h.slice(i + 1)}\t${h.slice(0, i)}\n`;
      });
      await writeFile(join(bundle, 'hosts'), `${baseHosts}${extra.join('')}`);
      await writeFile(join(bundle, 'resolv.conf'), await readFile('/etc/resolv.conf', 'utf8').catch(() => ''));
      const targets = ['/etc/hostname', '/etc/hosts', '/etc/resolv.conf', ...step.mounts.map((m) => m.destination)];
      const created = await missingPaths(step.rootfs, targets);
      try {
        const spec = buildOciSpec({
          args: step.args,
          env: step.env,
          cwd: step.cwd,
          user: await resolveUser(step.rootfs, step.user),
          tty: false,
          hostname,
          rootfs: step.rootfs,
          network: hostNet ? { mode: 'host' } : { mode: 'none' },
          etcFiles: {
            hostname: join(bundle, 'hostname'),
            hosts: join(bundle, 'hosts'),
            resolvConf: join(bundle, 'resolv.conf'),
          },
          mounts: step.mounts.map((m) =>
            m.tmpfs
              ? {
                  type: 'tmpfs' as const,
                  destination: m.destination,
                  readonly: false,
                  options: m.tmpfs.size > 0 ? [`size=${m.tmpfs.size}`] : [],
                }
              : {
                  type: 'bind' as const,
                  source: m.source,
                  destination: m.destination,
                  readonly: m.readonly,
                  propagation: 'rprivate',
                  recursive: true,
                },
          ),
          hostCaps: o.hostCaps,
          cgroupsPath: `/berth/build-${step.id.slice(0, 24)}`,
          cgroupV2: o.cgroupV2,
          seccomp: o.seccomp,
        });
        await writeFile(join(bundle, 'config.json'), JSON.stringify(spec));
        return await runForeground(o, step, bundle);
      } finally {
        await removeCreated(step.rootfs, created);
        await rm(bundle, { recursive: true, force: true });
      }
    },
  };
}

function runForeground(o: BuildRunnerOptions, step: RunStepOptions, bundle: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(o.runtimePath, [`--root=${o.runtimeRoot}`, 'run', '--bundle', bundle, step.id], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', (b: Buffer) => step.output(b));
    child.stderr.on('data', (b: Buffer) => step.output(b));
    const onAbort = () => {
      run(o.runtimePath, [`--root=${o.runtimeRoot}`, 'kill', step.id, 'KILL']).catch(() => {});
    };
    step.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      step.signal?.removeEventListener('abort', onAbort);
      run(o.runtimePath, [`--root=${o.runtimeRoot}`, 'delete', '--force', step.id])
        .catch(() => {})
        .finally(() => resolve(code ?? (signal ? 128 + 9 : 255)));
    });
  });
}

/** Of `paths` (absolute in the rootfs), the ones missing now, with any missing parents, deepest first. */
async function missingPaths(rootfs: string, paths: string[]): Promise<string[]> {
  const out = new Set<string>();
  for (const p of paths) {
    let cur = posix.normalize(p);
    while (cur !== '/' && cur !== '.') {
      const host = await resolveInRoot(rootfs, cur, false);
      if ((await lstat(host).catch(() => undefined)) !== undefined) break;
      out.add(cur);
      cur = posix.dirname(cur);
    }
  }
  return [...out].sort((a, b) => b.length - a.length);
}

/** Removes mount points the runtime created (empty files and directories only). */
async function removeCreated(rootfs: string, paths: string[]): Promise<void> {
  for (const p of paths) {
    const host = await resolveInRoot(rootfs, p, false);
    const st = await lstat(host).catch(() => undefined);
    if (st === undefined) continue;
    if (st.isDirectory()) {
      if ((await readdir(host)).length === 0) await rmdir(host).catch(() => {});
    } else if (st.isFile() && st.size === 0) {
      await rm(host, { force: true });
    }
  }
}
