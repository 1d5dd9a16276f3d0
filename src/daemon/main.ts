/**
 * berthd's entry: flags and config file → logger → wire() (the Engine) → one
 * API server per host. SIGTERM/SIGINT stop accepting, close the servers and
 * the engine, and exit 0; containers are never stopped (they outlive the
 * daemon). A second signal exits at once.
 */
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { BerthError } from '../lib/errors.ts';
import { createLogger, type Logger } from '../lib/log.ts';
import { type DaemonConfig, loadDaemonConfig, parseDaemonArgs, USAGE } from './config.ts';
import { API_VERSION, BERTH_VERSION } from './http/version.ts';
import { type ApiServer, clearStaleSocket, startServer } from './server.ts';
import { wire } from './wire.ts';

/** Runs the daemon until a stop signal; resolves to the process exit code. */
export async function main(argv: string[]): Promise<number> {
  let config: DaemonConfig;
  try {
    const parsed = parseDaemonArgs(argv);
    if (parsed.kind === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    if (parsed.kind === 'version') {
      process.stdout.write(`berthd version ${BERTH_VERSION}, API version ${API_VERSION}\n`);
      return 0;
    }
    config = await loadDaemonConfig(parsed.flags);
  } catch (err) {
    printStartupError(err);
    return 1;
  }

  const log = createLogger({ level: config.logLevel });
  installCrashHandlers(log);
  log.info('starting berthd', {
    version: BERTH_VERSION,
    apiVersion: API_VERSION,
    hosts: config.hosts,
    dataRoot: config.dataRoot,
    execRoot: config.execRoot,
    runtime: config.runtime,
  });

  const stopSignal = waitForStopSignal(log);
  let wired: Awaited<ReturnType<typeof wire>>;
  try {
    for (const socketPath of config.hosts) await clearStaleSocket(socketPath);
  } catch (err) {
    log.error('cannot serve the API', { err, hint: hintOf(err) });
    return 1;
  }
  try {
    wired = await wire(config, log);
  } catch (err) {
    log.error('cannot start the engine', { err, hint: hintOf(err) });
    return 1;
  }

  const servers: ApiServer[] = [];
  try {
    for (const socketPath of config.hosts) {
      await mkdir(dirname(socketPath), { recursive: true, mode: 0o755 });
      servers.push(await startServer({ engine: wired.engine, socketPath, log }));
    }
  } catch (err) {
    log.error('cannot serve the API', { err, hint: hintOf(err) });
    await shutdown(servers, wired, log);
    return 1;
  }

  log.info('berthd ready');
  const signal = await stopSignal;
  log.info('shutting down', { signal });
  await shutdown(servers, wired, log);
  log.info('berthd stopped');
  return 0;
}

async function shutdown(servers: ApiServer[], wired: { close(): Promise<void> }, log: Logger): Promise<void> {
  const results = await Promise.allSettled(servers.map((s) => s.close()));
  for (const r of results) if (r.status === 'rejected') log.warn('closing the API server failed', { err: r.reason });
  try {
    await wired.close();
  } catch (err) {
    log.error('closing the engine failed', { err });
  }
}

/** Resolves with the first SIGTERM/SIGINT; a second one exits at once. SIGHUP is ignored. */
function waitForStopSignal(log: Logger): Promise<NodeJS.Signals> {
  process.on('SIGHUP', () => log.info('SIGHUP ignored: configuration reload is not supported'));
  return new Promise((resolve) => {
    let received = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (received) {
        log.warn('second signal: exiting now', { signal });
        process.exit(1);
      }
      received = true;
      resolve(signal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
}

function installCrashHandlers(log: Logger): void {
  process.on('uncaughtException', (err) => {
    log.error('uncaught exception', { err, stack: err.stack });
    process.exit(1);
  });
  process.on('unhandledRejection', (reason) => {
    log.error('unhandled rejection', { err: reason, stack: reason instanceof Error ? reason.stack : undefined });
    process.exit(1);
  });
}

function hintOf(err: unknown): string | undefined {
  return err instanceof BerthError ? err.hint : undefined;
}

function printStartupError(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  const hint = hintOf(err);
  process.stderr.write(`berthd: ${message}\n${hint ? `${hint}\n` : ''}`);
}
