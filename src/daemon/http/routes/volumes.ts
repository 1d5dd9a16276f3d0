/** Volume routes (Docker's /volumes endpoints). */
import type { Engine } from '../../../engine/engine.ts';
import type { VolumeCreateRequest } from '../../../engine/types.ts';
import { queryBool, queryFilters, readBody } from '../decode.ts';
import { empty, json, type Route } from '../router.ts';
import { volumeCreateSchema } from '../schemas.ts';

export function volumeRoutes(engine: Engine): Route[] {
  const v = engine.volumes;
  const filtersOf = (q: URLSearchParams) => {
    const filters = queryFilters(q);
    return filters ? { filters } : {};
  };
  return [
    { method: 'GET', path: '/volumes', handle: async (req) => json(await v.list(filtersOf(req.query))) },
    {
      method: 'POST',
      path: '/volumes/create',
      handle: async (req) => json(await v.create(await readBody<VolumeCreateRequest>(req, volumeCreateSchema)), 201),
    },
    { method: 'POST', path: '/volumes/prune', handle: async (req) => json(await v.prune(filtersOf(req.query))) },
    { method: 'GET', path: '/volumes/{name}', handle: async (req) => json(await v.inspect(req.params.name!)) },
    {
      method: 'DELETE',
      path: '/volumes/{name}',
      handle: async (req) => {
        await v.remove(req.params.name!, { force: queryBool(req.query, 'force') });
        return empty(204);
      },
    },
  ];
}
