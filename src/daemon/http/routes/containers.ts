/** Container routes: records (create, list, inspect, remove) and their task (start … attach, logs). */
import type { Engine } from '../../../engine/engine.ts';
import type {
  ContainerCreateRequest,
  ContainerUpdateRequest,
  StopOptions,
  WaitCondition,
} from '../../../engine/types.ts';
import { invalidArgument } from '../../../lib/errors.ts';
import {
  queryBool,
  queryFilters,
  queryInt,
  queryRequiredInt,
  queryString,
  queryTimestamp,
  readBody,
  validateContainerName,
} from '../decode.ts';
import { type ApiRequest, empty, json, jsonLines, type Route } from '../router.ts';
import { containerCreateSchema, containerUpdateSchema } from '../schemas.ts';

function stopOptions(req: ApiRequest): StopOptions {
  const opts: StopOptions = {};
  const t = queryInt(req.query, 't');
  if (t !== undefined) opts.t = t;
  const signal = queryString(req.query, 'signal');
  if (signal !== undefined) opts.signal = signal;
  return opts;
}

const waitConditions: readonly string[] = ['not-running', 'next-exit', 'removed'];

function waitCondition(req: ApiRequest): WaitCondition | undefined {
  const v = queryString(req.query, 'condition');
  if (v === undefined) return undefined;
  if (!waitConditions.includes(v)) throw invalidArgument(`invalid condition: ${JSON.stringify(v)}`);
  return v as WaitCondition;
}

/** `tail`: a line count, else all lines (Docker treats anything unparsable or negative as all). */
function tail(req: ApiRequest): number | 'all' | undefined {
  const v = queryString(req.query, 'tail');
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v.trim())) return 'all';
  return Number.parseInt(v.trim(), 10);
}

export function containerRoutes(engine: Engine): Route[] {
  const c = engine.containers;
  return [
    {
      method: 'POST',
      path: '/containers/create',
      handle: async (req) => {
        const name = validateContainerName(req.query.get('name'));
        const body = await readBody<ContainerCreateRequest>(req, containerCreateSchema);
        return json(await c.create(body, name === undefined ? {} : { name }), 201);
      },
    },
    {
      method: 'GET',
      path: '/containers/json',
      handle: async (req) => {
        const limit = queryInt(req.query, 'limit');
        const filters = queryFilters(req.query);
        const rows = await c.list({
          all: queryBool(req.query, 'all'),
          size: queryBool(req.query, 'size'),
          ...(limit !== undefined && limit > 0 ? { limit } : {}),
          ...(filters ? { filters } : {}),
        });
        return json(rows);
      },
    },
    { method: 'GET', path: '/containers/{id*}/json', handle: async (req) => json(await c.inspect(req.params.id!)) },
    {
      method: 'POST',
      path: '/containers/{id*}/start',
      handle: async (req) => {
        await c.start(req.params.id!);
        return empty(204);
      },
    },
    {
      method: 'POST',
      path: '/containers/{id*}/stop',
      handle: async (req) => {
        await c.stop(req.params.id!, stopOptions(req));
        return empty(204);
      },
    },
    {
      method: 'POST',
      path: '/containers/{id*}/restart',
      handle: async (req) => {
        await c.restart(req.params.id!, stopOptions(req));
        return empty(204);
      },
    },
    {
      method: 'POST',
      path: '/containers/{id*}/kill',
      handle: async (req) => {
        const signal = queryString(req.query, 'signal');
        await c.kill(req.params.id!, signal === undefined ? {} : { signal });
        return empty(204);
      },
    },
    {
      method: 'DELETE',
      path: '/containers/{id*}',
      handle: async (req) => {
        await c.remove(req.params.id!, { force: queryBool(req.query, 'force'), v: queryBool(req.query, 'v') });
        return empty(204);
      },
    },
    {
      method: 'POST',
      path: '/containers/{id*}/wait',
      handle: async (req) => {
        const condition = waitCondition(req);
        const handle = await c.wait(req.params.id!, condition === undefined ? {} : { condition });
        return { kind: 'wait', handle };
      },
    },
    {
      method: 'GET',
      path: '/containers/{id*}/logs',
      handle: async (req) => {
        const q = req.query;
        const stdout = queryBool(q, 'stdout');
        const stderr = queryBool(q, 'stderr');
        if (!stdout && !stderr) throw invalidArgument('Bad parameters: you must choose at least one stream');
        const since = queryTimestamp(q, 'since');
        const until = queryTimestamp(q, 'until');
        const lines = tail(req);
        const stream = await c.logs(req.params.id!, {
          follow: queryBool(q, 'follow'),
          stdout,
          stderr,
          timestamps: queryBool(q, 'timestamps'),
          ...(since !== undefined ? { since } : {}),
          ...(until !== undefined ? { until } : {}),
          ...(lines !== undefined ? { tail: lines } : {}),
          signal: req.signal,
        });
        return { kind: 'output', stream };
      },
    },
    {
      method: 'POST',
      path: '/containers/{id*}/attach',
      handle: async (req) => {
        const q = req.query;
        const stdin = queryBool(q, 'stdin');
        const detachKeys = queryString(q, 'detachKeys');
        const session = await c.attach(req.params.id!, {
          stream: queryBool(q, 'stream'),
          stdin,
          stdout: queryBool(q, 'stdout'),
          stderr: queryBool(q, 'stderr'),
          logs: queryBool(q, 'logs'),
          ...(detachKeys !== undefined ? { detachKeys } : {}),
        });
        return { kind: 'session', session, stdin };
      },
    },
    {
      method: 'POST',
      path: '/containers/{id*}/resize',
      handle: async (req) => {
        await c.resize(req.params.id!, { h: queryRequiredInt(req.query, 'h'), w: queryRequiredInt(req.query, 'w') });
        return empty(200);
      },
    },
    {
      method: 'POST',
      path: '/containers/{id*}/update',
      handle: async (req) => {
        const body = await readBody<ContainerUpdateRequest>(req, containerUpdateSchema);
        return json(await c.update(req.params.id!, body));
      },
    },
    {
      method: 'POST',
      path: '/containers/{id*}/pause',
      handle: async (req) => {
        await c.pause(req.params.id!);
        return empty(204);
      },
    },
    {
      method: 'POST',
      path: '/containers/{id*}/unpause',
      handle: async (req) => {
        await c.unpause(req.params.id!);
        return empty(204);
      },
    },
    {
      method: 'GET',
      path: '/containers/{id*}/top',
      handle: async (req) => {
        const psArgs = queryString(req.query, 'ps_args');
        return json(await c.top(req.params.id!, psArgs === undefined ? {} : { psArgs }));
      },
    },
    {
      method: 'GET',
      path: '/containers/{id*}/stats',
      handle: async (req) => {
        const stream = req.query.has('stream') ? queryBool(req.query, 'stream') : true;
        const items = await c.stats(req.params.id!, {
          stream,
          oneShot: queryBool(req.query, 'one-shot'),
          signal: req.signal,
        });
        return { kind: 'bytes', status: 200, contentType: 'application/json', body: jsonLines(items) };
      },
    },
  ];
}
