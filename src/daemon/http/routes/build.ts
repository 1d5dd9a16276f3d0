/** POST /build (the classic builder's API, a streamed context tar in) and POST /build/prune. */
import type { Engine } from '../../../engine/engine.ts';
import type { ImageBuildOptions } from '../../../engine/types.ts';
import { invalidArgument } from '../../../lib/errors.ts';
import { queryBool, queryFilters, queryInt, queryString } from '../decode.ts';
import { json, type Route } from '../router.ts';

/** A JSON-object query parameter (`buildargs`, `labels`): values strings, or null where `nullable`. */
function queryMap(q: URLSearchParams, key: string, nullable: boolean): Record<string, string | null> | undefined {
  const raw = q.get(key);
  if (raw === null || raw === '') return undefined;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw invalidArgument(`invalid ${key}: not JSON`);
  }
  if (v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidArgument(`invalid ${key}: expected a JSON object`);
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (typeof x !== 'string' && !(nullable && x === null)) {
      throw invalidArgument(`invalid ${key}: the value of "${k}" must be a string`);
    }
  }
  return v as Record<string, string | null>;
}

/** Docker's JSON message stream: one value a line. Stopping early (the client left) stops the build. */
async function* jsonLines(messages: AsyncIterable<unknown>): AsyncGenerator<Uint8Array> {
  for await (const m of messages) yield Buffer.from(`${JSON.stringify(m)}\n`);
}

export function buildRoutes(engine: Engine): Route[] {
  return [
    {
      method: 'POST',
      path: '/build',
      handle: async (req) => {
        const q = req.query;
        const opts: ImageBuildOptions = {
          t: q.getAll('t').filter((t) => t !== ''),
          nocache: queryBool(q, 'nocache'),
          q: queryBool(q, 'q'),
          rm: queryBool(q, 'rm', true),
          forcerm: queryBool(q, 'forcerm'),
          pull: queryBool(q, 'pull'),
        };
        const dockerfile = queryString(q, 'dockerfile');
        if (dockerfile) opts.dockerfile = dockerfile;
        const target = queryString(q, 'target');
        if (target) opts.target = target;
        const buildargs = queryMap(q, 'buildargs', true);
        if (buildargs) opts.buildargs = buildargs;
        const labels = queryMap(q, 'labels', false);
        if (labels) opts.labels = labels as Record<string, string>;
        const network = queryString(q, 'networkmode');
        if (network) opts.networkmode = network;
        const hosts = queryString(q, 'extrahosts');
        if (hosts) opts.extrahosts = hosts.split(',').filter((h) => h !== '');
        const platform = queryString(q, 'platform');
        if (platform) opts.platform = platform;
        const messages = await engine.build.build(req.bodyStream(), opts, req.signal);
        return { kind: 'bytes', status: 200, contentType: 'application/json', body: jsonLines(messages) };
      },
    },
    {
      method: 'POST',
      path: '/build/prune',
      handle: async (req) => {
        const q = req.query;
        const filters = queryFilters(q);
        const keep = queryInt(q, 'keep-storage') ?? queryInt(q, 'reserved-space');
        return json(
          await engine.build.prune({
            all: queryBool(q, 'all'),
            ...(filters ? { filters } : {}),
            ...(keep !== undefined ? { keepStorage: keep } : {}),
          }),
        );
      },
    },
  ];
}
