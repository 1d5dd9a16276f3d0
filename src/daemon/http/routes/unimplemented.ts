/**
 * Endpoints the docker CLI and SDKs commonly touch that berthd does not serve
 * yet: they answer 501 with a clear message instead of "page not found".
 * Registered after the implemented routes, so they never shadow one.
 */
import { BerthError } from '../../../lib/errors.ts';
import type { HttpMethod, Route } from '../router.ts';

const endpoints: [HttpMethod, string][] = [
  ['POST', '/auth'],
  ['POST', '/session'],
  ['GET', '/distribution/{name*}/json'],
  ['POST', '/images/create'],
  ['POST', '/images/load'],
  ['POST', '/images/prune'],
  ['GET', '/images/get'],
  ['GET', '/images/search'],
  ['GET', '/images/{name*}/get'],
  ['GET', '/images/{name*}/history'],
  ['POST', '/images/{name*}/push'],
];

export function unimplementedRoutes(): Route[] {
  return endpoints.map(([method, path]) => ({
    method,
    path,
    handle: async (req) => {
      throw new BerthError('not-implemented', `berth does not implement ${method} ${req.path} yet`);
    },
  }));
}
