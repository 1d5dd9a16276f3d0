/** Network routes (/networks/*) and berth's POST /containers/{id}/ports. */
import type { Engine } from '../../../engine/engine.ts';
import type {
  ContainerPortsRequest,
  NetworkConnectRequest,
  NetworkCreateRequest,
  NetworkDisconnectRequest,
} from '../../../engine/types.ts';
import { queryFilters, readBody } from '../decode.ts';
import { empty, json, type Route } from '../router.ts';
import {
  containerPortsSchema,
  networkConnectSchema,
  networkCreateSchema,
  networkDisconnectSchema,
} from '../schemas.ts';

export function networkRoutes(engine: Engine): Route[] {
  const n = engine.networks;
  return [
    {
      method: 'GET',
      path: '/networks',
      handle: async (req) => {
        const filters = queryFilters(req.query);
        return json(await n.list(filters ? { filters } : {}));
      },
    },
    {
      method: 'POST',
      path: '/networks/create',
      handle: async (req) => json(await n.create(await readBody<NetworkCreateRequest>(req, networkCreateSchema)), 201),
    },
    {
      method: 'POST',
      path: '/networks/prune',
      handle: async (req) => {
        const filters = queryFilters(req.query);
        return json(await n.prune(filters ? { filters } : {}));
      },
    },
    {
      method: 'POST',
      path: '/networks/{id*}/connect',
      handle: async (req) => {
        await n.connect(req.params.id!, await readBody<NetworkConnectRequest>(req, networkConnectSchema));
        return empty(200);
      },
    },
    {
      method: 'POST',
      path: '/networks/{id*}/disconnect',
      handle: async (req) => {
        await n.disconnect(req.params.id!, await readBody<NetworkDisconnectRequest>(req, networkDisconnectSchema));
        return empty(200);
      },
    },
    { method: 'GET', path: '/networks/{id*}', handle: async (req) => json(await n.inspect(req.params.id!)) },
    {
      method: 'DELETE',
      path: '/networks/{id*}',
      handle: async (req) => {
        await n.remove(req.params.id!);
        return empty(204);
      },
    },
    {
      method: 'POST',
      path: '/containers/{id*}/ports',
      handle: async (req) =>
        json(
          await engine.containers.ports(
            req.params.id!,
            await readBody<ContainerPortsRequest>(req, containerPortsSchema),
          ),
        ),
    },
  ];
}
