/**
 * Health checks as Docker runs them (daemon/health.go): a probe (the
 * container's `CMD` or `CMD-SHELL` test, run like an exec) every interval —
 * every start interval during the start period — with a timeout; a success
 * makes the container healthy, `retries` failures in a row unhealthy, and
 * failures inside the start period do not count while it is still starting.
 * The last five results are kept, each output capped at 4 KiB. Status changes
 * go to `onChange` (berth publishes `health_status: <status>` events).
 */
import type { HealthConfig, HealthLog, HealthState } from '../types.ts';

/** Docker's defaults, in nanoseconds. */
export const HEALTH_DEFAULTS = { interval: 30e9, timeout: 30e9, startPeriod: 0, startInterval: 5e9, retries: 3 };
const MAX_LOG_ENTRIES = 5;
const MAX_OUTPUT = 4096;

/** A health check with every default filled in (durations in ms). */
export interface EffectiveHealthcheck {
  args: string[];
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  startIntervalMs: number;
  retries: number;
}

/** The check a container runs, or undefined when it has none (no test, `NONE`). */
export function effectiveHealthcheck(c: HealthConfig | undefined): EffectiveHealthcheck | undefined {
  const test = c?.Test ?? [];
  if (test.length === 0 || test[0] === 'NONE') return undefined;
  let args: string[];
  if (test[0] === 'CMD') args = test.slice(1);
  else if (test[0] === 'CMD-SHELL') args = ['/bin/sh', '-c', test.slice(1).join(' ')];
  else return undefined;
  if (args.length === 0) return undefined;
  const ms = (ns: number | undefined, def: number) => (ns && ns > 0 ? ns : def) / 1e6;
  return {
    args,
    intervalMs: ms(c?.Interval, HEALTH_DEFAULTS.interval),
    timeoutMs: ms(c?.Timeout, HEALTH_DEFAULTS.timeout),
    startPeriodMs: ms(c?.StartPeriod, HEALTH_DEFAULTS.startPeriod),
    startIntervalMs: ms(c?.StartInterval, HEALTH_DEFAULTS.startInterval),
    retries: c?.Retries && c.Retries > 0 ? c.Retries : HEALTH_DEFAULTS.retries,
  };
}

/** Docker's checks of a Healthcheck (create): durations ≥ 1 ms or 0, retries ≥ 0. */
export function healthcheckProblem(c: HealthConfig | undefined): string | undefined {
  if (!c) return undefined;
  const min = 1e6;
  for (const [k, v] of [
    ['Interval', c.Interval],
    ['Timeout', c.Timeout],
    ['StartPeriod', c.StartPeriod],
    ['StartInterval', c.StartInterval],
  ] as const) {
    if (v !== undefined && v !== 0 && v < min) return `${k} in Healthcheck cannot be less than 1ms`;
  }
  if (c.Retries !== undefined && c.Retries < 0) return 'Retries in Healthcheck cannot be negative';
  const t = c.Test ?? [];
  if (t.length > 0 && !['NONE', 'CMD', 'CMD-SHELL'].includes(t[0] ?? '')) {
    return `unknown Healthcheck type '${t[0]}'`;
  }
  return undefined;
}

/** A duration as Go prints it: `300ms`, `30s`, `1m30s`, `1h0m0s`. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const total = ms / 1000;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = Number((total % 60).toFixed(3));
  if (h > 0) return `${h}h${m}m${sec}s`;
  if (m > 0) return `${m}m${sec}s`;
  return `${sec}s`;
}

/** A probe's outcome. */
export interface ProbeResult {
  exitCode: number;
  output: string;
  start: Date;
  end: Date;
}

export function newHealth(): HealthState {
  return { Status: 'starting', FailingStreak: 0, Log: [] };
}

/** The health after one probe (Docker's handleProbeResult). */
export function applyProbe(
  h: HealthState,
  r: ProbeResult,
  o: { retries: number; startedAtMs: number; startPeriodMs: number },
): HealthState {
  const entry: HealthLog = {
    Start: r.start.toISOString(),
    End: r.end.toISOString(),
    ExitCode: r.exitCode,
    Output: r.output.length > MAX_OUTPUT ? r.output.slice(0, MAX_OUTPUT) : r.output,
  };
  const log = [...h.Log, entry].slice(-MAX_LOG_ENTRIES);
  if (r.exitCode === 0) return { Status: 'healthy', FailingStreak: 0, Log: log };
  const inStartPeriod = h.Status === 'starting' && r.start.getTime() - o.startedAtMs < o.startPeriodMs;
  if (inStartPeriod) return { ...h, Log: log };
  const streak = h.FailingStreak + 1;
  return { Status: streak >= o.retries ? 'unhealthy' : h.Status, FailingStreak: streak, Log: log };
}

/** What the monitor needs from the container service. */
export interface HealthDeps {
  /** Runs `args` in container `id` like an exec; a failure to start is exit -1 with the error as output. */
  probe(id: string, args: string[], timeoutMs: number): Promise<ProbeResult>;
  /** Applies `next` to the container's stored health; returns the states before and after (undefined: gone). */
  record(id: string, next: (h: HealthState) => HealthState): { before: HealthState; after: HealthState } | undefined;
  /** The status changed (berth publishes an event). */
  onChange(id: string, status: HealthState['Status']): void;
}

/** One monitor per daemon: a timer loop per running container with a health check. */
export class HealthMonitor {
  readonly #deps: HealthDeps;
  /** The live loop of each container; a loop that finds itself replaced ends. */
  readonly #loops = new Map<string, { timer?: NodeJS.Timeout }>();

  constructor(deps: HealthDeps) {
    this.#deps = deps;
  }

  /** Starts checking container `id` (started at `startedAtMs`); replaces a previous loop. */
  start(id: string, check: EffectiveHealthcheck, startedAtMs: number, status: () => HealthState['Status']): void {
    this.stop(id);
    const loop: { timer?: NodeJS.Timeout } = {};
    this.#loops.set(id, loop);
    const live = () => this.#loops.get(id) === loop;
    const delay = () =>
      status() === 'starting' && Date.now() - startedAtMs < check.startPeriodMs
        ? check.startIntervalMs
        : check.intervalMs;
    const schedule = () => {
      loop.timer = setTimeout(() => void tick(), delay());
      loop.timer.unref();
    };
    const tick = async () => {
      if (!live()) return;
      const result = await this.#deps.probe(id, check.args, check.timeoutMs);
      if (!live()) return;
      const changed = this.#deps.record(id, (h) =>
        applyProbe(h, result, { retries: check.retries, startedAtMs, startPeriodMs: check.startPeriodMs }),
      );
      if (!changed) return this.stop(id);
      if (changed.before.Status !== changed.after.Status) this.#deps.onChange(id, changed.after.Status);
      schedule();
    };
    schedule();
  }

  stop(id: string): void {
    const loop = this.#loops.get(id);
    if (loop?.timer) clearTimeout(loop.timer);
    this.#loops.delete(id);
  }

  stopAll(): void {
    for (const id of [...this.#loops.keys()]) this.stop(id);
  }
}
