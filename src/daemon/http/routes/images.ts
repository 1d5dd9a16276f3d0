/** Image routes, and berth's extension POST /berth/images/bootstrap. */
import type { Engine } from '../../../engine/engine.ts';
import type { ImageBootstrapRequest } from '../../../engine/types.ts';
import { queryBool, queryFilters, queryString, readBody } from '../decode.ts';
import { empty, json, type Route } from '../router.ts';
import { imageBootstrapSchema } from '../schemas.ts';

export function imageRoutes(engine: Engine): Route[] {
  const i = engine.images;
  return [
    {
      method: 'GET',
      path: '/images/json',
      handle: async (req) => {
        const filters = queryFilters(req.query);
        return json(await i.list({ all: queryBool(req.query, 'all'), ...(filters ? { filters } : {}) }));
      },
    },
    // Image names hold slashes and colons (localhost:5000/a/b:t): `{name*}` matches greedily.
    { method: 'GET', path: '/images/{name*}/json', handle: async (req) => json(await i.inspect(req.params.name!)) },
    {
      method: 'POST',
      path: '/images/{name*}/tag',
      handle: async (req) => {
        await i.tag(req.params.name!, req.query.get('repo') ?? '', queryString(req.query, 'tag'));
        return empty(201);
      },
    },
    {
      method: 'DELETE',
      path: '/images/{name*}',
      handle: async (req) =>
        json(
          await i.remove(req.params.name!, {
            force: queryBool(req.query, 'force'),
            noprune: queryBool(req.query, 'noprune'),
          }),
        ),
    },
    {
      method: 'POST',
      path: '/berth/images/bootstrap',
      handle: async (req) => json(await i.bootstrap(await readBody<ImageBootstrapRequest>(req, imageBootstrapSchema))),
    },
  ];
}
