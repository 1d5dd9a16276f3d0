/**
 * Structured logging: one JSON object a line (`{"level","time","msg",...fields}`),
 * written to stderr by default. Levels follow Docker's `--log-level` names.
 */

export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal';

export const LOG_LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error', 'fatal'];

/** Extra key/values attached to a log line. Errors are rendered as their message (and code, when a BerthError). */
export type LogFields = Record<string, unknown>;

/**
 * A logger. Lines below `level` are dropped. `child` returns a logger that adds
 * `fields` to every line (the child's own fields win over the parent's); it
 * shares the parent's level and output.
 */
export interface Logger {
  readonly level: LogLevel;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
  /** True when a line at `level` would be written (to skip building costly fields). */
  enabled(level: LogLevel): boolean;
}

export interface LoggerOptions {
  level?: LogLevel;
  /** Where lines go; default process.stderr. Each call receives one line including its '\n'. */
  write?: (line: string) => void;
  /** Clock, for tests. */
  now?: () => Date;
  fields?: LogFields;
}

export function isLogLevel(value: string): value is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(value);
}

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, fatal: 50 };

export function createLogger(opts: LoggerOptions = {}): Logger {
  const level = opts.level ?? 'info';
  const write = opts.write ?? ((line: string) => process.stderr.write(line));
  const now = opts.now ?? (() => new Date());
  return makeLogger({ level, write, now, base: opts.fields ?? {} });
}

/** A logger that drops everything (tests, tools). */
export function silentLogger(): Logger {
  return createLogger({ level: 'fatal', write: () => {} });
}

interface LoggerState {
  level: LogLevel;
  write: (line: string) => void;
  now: () => Date;
  base: LogFields;
}

function makeLogger(state: LoggerState): Logger {
  const enabled = (lvl: LogLevel): boolean => rank[lvl] >= rank[state.level];
  const emit = (lvl: LogLevel, msg: string, fields?: LogFields): void => {
    if (!enabled(lvl)) return;
    const record: Record<string, unknown> = { level: lvl, time: state.now().toISOString(), msg };
    for (const [k, v] of Object.entries(state.base)) if (!(k in record)) record[k] = renderValue(v);
    if (fields)
      for (const [k, v] of Object.entries(fields))
        if (k !== 'level' && k !== 'time' && k !== 'msg') record[k] = renderValue(v);
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch {
      line = JSON.stringify({ level: lvl, time: record.time, msg, fieldsError: 'unserializable fields' });
    }
    state.write(`${line}\n`);
  };
  return {
    level: state.level,
    enabled,
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    child: (fields) => makeLogger({ ...state, base: { ...state.base, ...fields } }),
  };
}

function renderValue(v: unknown): unknown {
  if (v instanceof Error) {
    const code = (v as { code?: unknown }).code;
    return typeof code === 'string' ? { message: v.message, code } : v.message;
  }
  if (typeof v === 'bigint') return v.toString();
  return v;
}
