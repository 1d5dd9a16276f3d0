/** System routes: ping, version, info. */
import type { Engine } from '../../../engine/engine.ts';
import { queryBool } from '../decode.ts';
import { json, type Route } from '../router.ts';
import { API_VERSION, MIN_API_VERSION } from '../version.ts';

const pingHeaders = {
  'Builder-Version': '1',
  'Cache-Control': 'no-cache, no-store, must-revalidate',
  Pragma: 'no-cache',
  Swarm: 'inactive',
};

export function systemRoutes(engine: Engine): Route[] {
  return [
    {
      method: 'POST',
      path: '/berth/system/check',
      handle: async (req) => json(await engine.system.check({ repair: queryBool(req.query, 'repair') })),
    },
    {
      method: 'GET',
      path: '/_ping',
      handle: async () => {
        await engine.system.ping();
        return {
          kind: 'text',
          status: 200,
          body: 'OK',
          contentType: 'text/plain; charset=utf-8',
          headers: pingHeaders,
        };
      },
    },
    {
      method: 'HEAD',
      path: '/_ping',
      handle: async () => {
        await engine.system.ping();
        return { kind: 'text', status: 200, body: '', contentType: 'text/plain; charset=utf-8', headers: pingHeaders };
      },
    },
    {
      method: 'GET',
      path: '/version',
      handle: async () => {
        const v = await engine.system.version();
        // The API versions are the HTTP face's, whatever the engine reports.
        const api = { ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION };
        const Components = v.Components.map((c) =>
          c.Name === 'Engine' ? { ...c, Details: { ...c.Details, ...api } } : c,
        );
        return json({ ...v, ...api, Components });
      },
    },
    { method: 'GET', path: '/info', handle: async () => json(await engine.system.info()) },
  ];
}
