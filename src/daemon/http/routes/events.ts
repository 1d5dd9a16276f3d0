/** GET /events (the event stream as JSON lines, one Docker events.Message a line) and GET /system/df. */
import type { Engine } from '../../../engine/engine.ts';
import { queryFilters, queryTimestamp } from '../decode.ts';
import { json, jsonLines, type Route } from '../router.ts';

export function eventRoutes(engine: Engine): Route[] {
  return [
    {
      method: 'GET',
      path: '/events',
      handle: async (req) => {
        const since = queryTimestamp(req.query, 'since');
        const until = queryTimestamp(req.query, 'until');
        const filters = queryFilters(req.query);
        const events = await engine.system.events({
          ...(since !== undefined ? { since } : {}),
          ...(until !== undefined ? { until } : {}),
          ...(filters ? { filters } : {}),
          signal: req.signal,
        });
        return { kind: 'bytes', status: 200, contentType: 'application/json', body: jsonLines(events) };
      },
    },
    { method: 'GET', path: '/system/df', handle: async () => json(await engine.system.df()) },
  ];
}
