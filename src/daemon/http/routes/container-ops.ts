/** Container routes beyond the lifecycle: commit, rename, changes, archive (cp), export, prune. */
import type { Engine } from '../../../engine/engine.ts';
import type { ContainerConfig } from '../../../engine/types.ts';
import { invalidArgument } from '../../../lib/errors.ts';
import { queryBool, queryString, readBody } from '../decode.ts';
import { json, type Route } from '../router.ts';
import { commitConfigSchema } from '../schemas.ts';

export function containerOpsRoutes(engine: Engine): Route[] {
  const c = engine.containers;
  return [
    {
      method: 'POST',
      path: '/commit',
      handle: async (req) => {
        const q = req.query;
        const container = queryString(q, 'container');
        if (!container) throw invalidArgument('No container specified');
        const config = await readBody<ContainerConfig | null>(req, commitConfigSchema, { optional: true });
        const changes = q.getAll('changes').filter((v) => v !== '');
        const out = await c.commit(container, {
          repo: queryString(q, 'repo'),
          tag: queryString(q, 'tag'),
          comment: queryString(q, 'comment'),
          author: queryString(q, 'author'),
          pause: queryBool(q, 'pause', true),
          changes,
          ...(config ? { config } : {}),
        });
        return json(out, 201);
      },
    },
  ];
}
