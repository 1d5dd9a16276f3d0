/**
 * The running side of a container: its task. Each task is a conmon process
 * (the per-container monitor) that runs the OCI runtime (crun by default),
 * holds the container's stdio, writes its log and records its exit code in
 * an exit file. conmon double-forks away from berthd, so tasks outlive the
 * daemon; a restarted berthd finds them through their pid and exit files.
 *
 * Life of a task: `create` (conmon runs `crun create`; the process exists
 * but has not exec'd the command) → attach sessions may connect → `start`
 * (`crun start`) → the process exits → conmon writes `<exitDir>/<id>` →
 * `delete` removes the runtime's state.
 *
 * Layout under the exec root: `crun/` (the runtime's state root, private to
 * this daemon), `exits/<id>`, `tasks/<id>/{conmon.pid,pid}`, `exec/<execId>/`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { constants, existsSync, mkdirSync, watch, type FSWatcher } from 'node:fs';
import { open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { BerthError, invalidArgument } from '../../lib/errors.ts';
import { CommandError, run, which } from '../../host/exec.ts';
import type { OciProcess } from '../../oci/runtime-spec.ts';
import { type AttachConnection, connectAttach } from './attach.ts';

/** How many times (20 ms apart) an empty exit file is read again before it counts as exit 255. */
const EXIT_FILE_RETRIES = 50;

export interface RuntimeOptions {
  execRoot: string;
  /** OCI runtime binary: 'crun' (default) or 'runc', or a path. */
  runtime?: string;
  conmon?: string;
}

export interface CreateTaskOptions {
  id: string;
  /** Directory holding config.json; conmon also puts its attach socket and ctl fifo here. */
  bundle: string;
  logPath: string;
  terminal: boolean;
  stdin: boolean;
  /**
   * Keep the container's stdin open when an attached client closes its input
   * (Docker's `StdinOnce: false`); otherwise the first client's EOF is the
   * container's EOF.
   */
  leaveStdinOpen?: boolean;
  /** Max log size in bytes (conmon truncates past it); 0 = unlimited. */
  logSizeMax?: number;
}

export interface TaskExit {
  exitCode: number;
  /** When conmon recorded the exit. */
  finishedAt: Date;
}

export interface ExecOptions {
  containerId: string;
  execId: string;
  process: OciProcess;
  stdin: boolean;
  /** Connect an attach session before the process starts. */
  attach: boolean;
}

/** A started exec process. */
export interface ExecTask {
  pid: number;
  attach?: AttachConnection;
  /** Settles with the exit code when the process ends. */
  exited: Promise<number>;
  /** Directory of the session's files (ctl fifo for resize). */
  dir: string;
}

/** Runtime errors that mean "this command cannot run" become Docker's messages (the CLI maps them to 126/127). */
export function runtimeStartError(message: string): BerthError {
  const notFound = /executable file [`'"]?([^`'"]*)[`'"]? not found/i.exec(message);
  if (notFound) {
    return invalidArgument(
      `failed to create task for container: exec: "${notFound[1]}": executable file not found in $PATH: unknown`,
    );
  }
  const noFile = /(?:open|exec|stat)[^:]*[`'"]([^`'"]+)[`'"][^:]*: No such file or directory/.exec(message);
  if (noFile) {
    return invalidArgument(
      `failed to create task for container: exec: "${noFile[1]}": no such file or directory: unknown`,
    );
  }
  // crun cannot open a directory (or other non-file) as the executable: EPERM.
  if (/permission denied/i.test(message) || /open executable: Operation not permitted/.test(message)) {
    return invalidArgument(`failed to create task for container: exec: permission denied: unknown`);
  }
  return new BerthError('internal', `failed to create task for container: ${message.trim()}`);
}

interface SyncMessage {
  data: number;
  message?: string;
}

/** Reads newline-delimited JSON messages conmon writes on a sync pipe. */
function syncMessages(stream: Readable): AsyncGenerator<SyncMessage> {
  return (async function* () {
    let buf = '';
    for await (const chunk of stream) {
      buf += String(chunk);
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line) yield JSON.parse(line) as SyncMessage;
      }
    }
    if (buf.trim()) yield JSON.parse(buf) as SyncMessage;
  })();
}

export class TaskRuntime {
  readonly #execRoot: string;
  readonly #runtime: string;
  readonly #conmon: string;
  readonly #exitDir: string;
  #watcher: FSWatcher | undefined;

  constructor(opts: RuntimeOptions) {
    this.#execRoot = opts.execRoot;
    this.#runtime = which(opts.runtime ?? 'crun');
    this.#conmon = which(opts.conmon ?? 'conmon');
    this.#exitDir = join(this.#execRoot, 'exits');
    for (const d of ['crun', 'exits', 'tasks', 'exec']) mkdirSync(join(this.#execRoot, d), { recursive: true });
  }

  get runtimeName(): string {
    return this.#runtime;
  }

  #runtimeRoot(): string {
    return join(this.#execRoot, 'crun');
  }

  #runtimeArgs(): string[] {
    return [`--root=${this.#runtimeRoot()}`];
  }

  /**
   * Watches the exit directory and calls `onExit(id)` for each exit file that
   * appears. Call once; `close` stops it.
   */
  watchExits(onExit: (id: string) => void): void {
    this.#watcher = watch(this.#exitDir, (_event, filename) => {
      if (filename && !filename.startsWith('.')) onExit(String(filename));
    });
  }

  close(): void {
    this.#watcher?.close();
  }

  /** The recorded exit of task `id`, if conmon has written one. */
  async readExit(id: string): Promise<TaskExit | undefined> {
    const path = join(this.#exitDir, id);
    // conmon creates the file, then writes the code: an inotify event (or a
    // sweep) can see it empty for a moment. Read again briefly before giving up.
    for (let attempt = 0; ; attempt++) {
      try {
        const [text, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
        const code = Number.parseInt(text.trim(), 10);
        if (Number.isNaN(code) && attempt < EXIT_FILE_RETRIES) {
          await new Promise((r) => setTimeout(r, 20));
          continue;
        }
        return { exitCode: Number.isNaN(code) ? 255 : code, finishedAt: st.mtime };
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw err;
      }
    }
  }

  async clearExit(id: string): Promise<void> {
    await rm(join(this.#exitDir, id), { force: true });
  }

  /** Whether the conmon of a task is still alive. */
  async conmonAlive(conmonPid: number): Promise<boolean> {
    if (conmonPid <= 0) return false;
    try {
      const cmd = await readFile(`/proc/${conmonPid}/cmdline`, 'utf8');
      return cmd.split('\0')[0]?.endsWith('conmon') === true;
    } catch {
      return false;
    }
  }

  /** conmon runs `crun create`; resolves with the pids once the container process exists. */
  async create(opts: CreateTaskOptions): Promise<{ pid: number; conmonPid: number }> {
    const dir = join(this.#execRoot, 'tasks', opts.id);
    mkdirSync(dir, { recursive: true });
    await this.clearExit(opts.id);
    const args = [
      '--api-version',
      '1',
      '-c',
      opts.id,
      '-u',
      opts.id,
      '-n',
      opts.id,
      '-r',
      this.#runtime,
      ...this.#runtimeArgs().flatMap((a) => ['--runtime-arg', a]),
      '-b',
      opts.bundle,
      '-p',
      join(dir, 'pid'),
      '-P',
      join(dir, 'conmon.pid'),
      '-l',
      `k8s-file:${opts.logPath}`,
      '--exit-dir',
      this.#exitDir,
      '--socket-dir-path',
      join(this.#execRoot, 'tasks'),
      '--full-attach',
      '--log-level',
      'error',
      '--syslog',
    ];
    if (opts.terminal) args.push('-t');
    if (opts.stdin) args.push('-i');
    if (opts.stdin && opts.leaveStdinOpen) args.push('--leave-stdin-open');
    if (opts.logSizeMax && opts.logSizeMax > 0) args.push('--log-size-max', String(opts.logSizeMax));
    const { child, sync, start } = this.#spawnConmon(args, 2);
    start.end('0');
    const messages = syncMessages(sync);
    const first = await Promise.race([messages.next(), conmonFailure(child)]);
    sync.destroy();
    if (first.done || first.value.data < 0) {
      const msg = first.done ? 'conmon exited before reporting' : (first.value.message ?? '');
      await this.delete(opts.id).catch(() => {});
      throw runtimeStartError(msg);
    }
    const conmonPid = Number.parseInt(await readFile(join(dir, 'conmon.pid'), 'utf8'), 10);
    return { pid: first.value.data, conmonPid };
  }

  /** Lets a created task run its command. */
  async start(id: string): Promise<void> {
    await run(this.#runtime, [...this.#runtimeArgs(), 'start', id]);
  }

  /** Signals the task's main process (or all of them). */
  async kill(id: string, signal: string | number, all = false): Promise<void> {
    const sig = typeof signal === 'number' ? String(signal) : signal.replace(/^SIG/, '');
    try {
      await run(this.#runtime, [...this.#runtimeArgs(), 'kill', ...(all ? ['--all'] : []), id, sig]);
    } catch (err) {
      // crun's words for a task whose process has already gone (ESRCH on its pidfd, or a stopped state).
      if (err instanceof CommandError && /No such process|is not running|container is stopped/i.test(err.stderr))
        throw new BerthError('conflict', `task ${id} is not running`, { cause: err });
      throw err;
    }
  }

  /** Applies new cgroup limits (OCI linux.resources, written to `resourcesFile`) to a running task. */
  async update(id: string, resourcesFile: string): Promise<void> {
    await run(this.#runtime, [...this.#runtimeArgs(), 'update', '--resources', resourcesFile, id]);
  }

  /** Freezes every process of the task (the freezer cgroup). */
  async pause(id: string): Promise<void> {
    await run(this.#runtime, [...this.#runtimeArgs(), 'pause', id]);
  }

  /** Thaws a paused task (`crun resume`). */
  async resume(id: string): Promise<void> {
    await run(this.#runtime, [...this.#runtimeArgs(), 'resume', id]);
  }

  /** Removes the runtime's state and the task directory (the task must have exited, or `force`). */
  async delete(id: string, force = true): Promise<void> {
    // The task directory can exist without runtime state (a crash between the two); both go.
    if (this.hasState(id)) {
      try {
        await run(this.#runtime, [...this.#runtimeArgs(), 'delete', ...(force ? ['--force'] : []), id]);
      } catch (err) {
        if (!/does not exist|not exist|No such file/i.test(String((err as Error).message))) throw err;
      }
    }
    await rm(join(this.#execRoot, 'tasks', id), { recursive: true, force: true });
  }

  /** Whether the runtime knows the task (its state exists). */
  hasState(id: string): boolean {
    return existsSync(join(this.#runtimeRoot(), id));
  }

  /**
   * crun only: the seccomp filter it compiled for task `id` (it keeps it in
   * the task's state as seccomp.bpf). Passing these bytes back through the
   * `run.oci.seccomp_bpf_data` annotation spares later tasks the compile,
   * which costs crun ~25 ms for the default profile.
   */
  async compiledSeccomp(id: string): Promise<Buffer | undefined> {
    if (!this.supportsSeccompBpfData) return undefined;
    return readFile(join(this.#runtimeRoot(), id, 'seccomp.bpf')).catch(() => undefined);
  }

  /** Whether the runtime takes a precompiled filter (crun's `run.oci.seccomp_bpf_data`). */
  get supportsSeccompBpfData(): boolean {
    return this.#runtime.endsWith('/crun') || this.#runtime === 'crun';
  }

  /** IDs of every task the runtime has state for. */
  async listStates(): Promise<string[]> {
    return (await readdir(this.#runtimeRoot(), { withFileTypes: true }))
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  }

  attach(bundle: string): Promise<AttachConnection> {
    return connectAttach(join(bundle, 'attach'));
  }

  /** Makes a task's conmon reopen its log file (after berth renamed it away: rotation). */
  async reopenLog(bundle: string): Promise<void> {
    // Non-blocking: with conmon gone (the task exited) nobody reads the fifo, and a plain open would wait forever.
    const fh = await open(join(bundle, 'ctl'), constants.O_WRONLY | constants.O_NONBLOCK).catch(() => undefined);
    if (!fh) return;
    try {
      await fh.write('2 0 0\n');
    } catch {
    } finally {
      await fh.close();
    }
  }

  /** Resizes a task's (or exec session's) terminal through conmon's control fifo. */
  async resize(bundle: string, h: number, w: number): Promise<void> {
    const ctl = join(bundle, 'ctl');
    if (!existsSync(ctl)) return;
    await writeFile(ctl, `1 ${h} ${w}\n`, { flag: 'a' });
  }

  /** Runs an extra process in a running task under its own conmon. */
  async exec(opts: ExecOptions): Promise<ExecTask> {
    const dir = join(this.#execRoot, 'exec', opts.execId);
    mkdirSync(join(dir, 'exit'), { recursive: true });
    const specPath = join(dir, 'process.json');
    await writeFile(specPath, JSON.stringify(opts.process));
    const args = [
      '--api-version',
      '1',
      '-c',
      opts.containerId,
      '-u',
      opts.execId,
      '-r',
      this.#runtime,
      ...this.#runtimeArgs().flatMap((a) => ['--runtime-arg', a]),
      '-b',
      dir,
      '-p',
      join(dir, 'pid'),
      '-l',
      `k8s-file:${join(dir, 'exec.log')}`,
      '--exit-dir',
      join(dir, 'exit'),
      '--socket-dir-path',
      join(this.#execRoot, 'exec'),
      '--full-attach',
      '-e',
      '--exec-process-spec',
      specPath,
      '--log-level',
      'error',
      '--syslog',
    ];
    if (opts.process.terminal) args.push('-t');
    if (opts.stdin) args.push('-i');
    if (opts.attach) args.push('--exec-attach');
    const { child, sync, start, attachPipe } = this.#spawnConmon(args, opts.attach ? 3 : 2);
    start.write('0');
    let attach: AttachConnection | undefined;
    const failed = conmonFailure(child);
    try {
      if (opts.attach && attachPipe) {
        const ready = await Promise.race([syncMessages(attachPipe).next(), failed]);
        attachPipe.destroy();
        if (ready.done || ready.value.data < 0)
          throw runtimeStartError(ready.done ? 'exec attach failed' : (ready.value.message ?? ''));
        attach = await connectAttach(join(dir, 'attach'));
      }
      start.end('0');
      const messages = syncMessages(sync);
      const first = await Promise.race([messages.next(), failed]);
      if (first.done || first.value.data < 0) {
        const msg = first.done ? 'conmon exited before reporting' : (first.value.message ?? '');
        throw runtimeStartError(msg);
      }
      const exited = (async () => {
        const next = await messages.next();
        sync.destroy();
        if (!next.done) return next.value.data;
        const code = await readFile(join(dir, 'exit', opts.containerId), 'utf8').catch(() => '');
        return code.trim() === '' ? 255 : Number.parseInt(code, 10);
      })();
      return { pid: first.value.data, attach, exited, dir };
    } catch (err) {
      attach?.close();
      sync.destroy();
      start.destroy();
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * Removes every exec session's directory. Exec sessions live in berthd's
   * memory only, so after a restart none of them can be reached again.
   */
  async clearExecSessions(): Promise<void> {
    const dir = join(this.#execRoot, 'exec');
    for (const name of await readdir(dir)) await rm(join(dir, name), { recursive: true, force: true });
  }

  async removeExec(execId: string): Promise<void> {
    await rm(join(this.#execRoot, 'exec', execId), { recursive: true, force: true });
  }

  #spawnConmon(
    args: string[],
    pipes: number,
  ): { child: ChildProcess; sync: Readable; start: Writable; attachPipe: Readable | undefined } {
    const env: NodeJS.ProcessEnv = { ...process.env, _OCI_SYNCPIPE: '3', _OCI_STARTPIPE: '4' };
    if (pipes === 3) env._OCI_ATTACHPIPE = '5';
    const stdio: ('ignore' | 'pipe')[] = ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'];
    if (pipes === 3) stdio.push('pipe');
    const child = spawn(this.#conmon, args, { stdio, env });
    const sync = child.stdio[3] as Readable;
    const start = child.stdio[4] as Writable;
    const stdio5 = (child.stdio as unknown as (Readable | null)[])[5];
    const attachPipe = pipes === 3 && stdio5 ? stdio5 : undefined;
    start.on('error', () => {});
    return { child, sync, start, attachPipe };
  }
}

/**
 * Settles with a failure message if conmon's first process fails; it exits
 * 0 right after forking when all is well, and then this never settles.
 */
function conmonFailure(child: ChildProcess): Promise<{ done: false; value: SyncMessage }> {
  return new Promise((resolve) => {
    let stderr = '';
    child.stderr?.on('data', (b: Buffer) => {
      stderr += String(b);
    });
    const fail = (message: string) => resolve({ done: false, value: { data: -1, message } });
    child.on('exit', (code) => {
      if (code !== 0)
        child.stderr?.once('close', () =>
          fail(stderr.replace(/\[conmon:\w\]: /g, '').trim() || `conmon exited with ${code}`),
        );
      else child.stderr?.destroy();
    });
    child.on('error', (err) => fail(err.message));
  });
}
