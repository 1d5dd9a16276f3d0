/** Container routes beyond the lifecycle: commit, rename, changes, archive (cp), export, prune. */
import type { Engine } from '../../../engine/engine.ts';
import type { ContainerConfig, PathStat } from '../../../engine/types.ts';
import { invalidArgument } from '../../../lib/errors.ts';
import { queryBool, queryFilters, queryString, readBody, validateContainerName } from '../decode.ts';
import { type ApiRequest, empty, json, type Route } from '../router.ts';
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
    {
      method: 'POST',
      path: '/containers/prune',
      handle: async (req) => {
        const filters = queryFilters(req.query);
        return json(await c.prune(filters ? { filters } : {}));
      },
    },
    {
      method: 'POST',
      path: '/containers/{id*}/rename',
      handle: async (req) => {
        const name = validateContainerName(req.query.get('name'));
        if (name === undefined) throw invalidArgument('Neither old nor new names may be empty');
        await c.rename(req.params.id!, name);
        return empty(204);
      },
    },
    {
      method: 'GET',
      path: '/containers/{id*}/changes',
      handle: async (req) => json(await c.changes(req.params.id!)),
    },
    {
      method: 'HEAD',
      path: '/containers/{id*}/archive',
      handle: async (req) => {
        const stat = await c.statPath(req.params.id!, archivePath(req));
        return { kind: 'empty', status: 200, headers: statHeader(stat) };
      },
    },
    {
      method: 'GET',
      path: '/containers/{id*}/archive',
      handle: async (req) => {
        const { stat, tar } = await c.getArchive(req.params.id!, archivePath(req));
        return { kind: 'bytes', status: 200, contentType: 'application/x-tar', body: tar, headers: statHeader(stat) };
      },
    },
    {
      method: 'PUT',
      path: '/containers/{id*}/archive',
      handle: async (req) => {
        await c.putArchive(req.params.id!, {
          path: archivePath(req),
          tar: req.bodyStream(),
          noOverwriteDirNonDir: queryBool(req.query, 'noOverwriteDirNonDir'),
          copyUIDGID: queryBool(req.query, 'copyUIDGID'),
        });
        return empty(200);
      },
    },
    {
      method: 'GET',
      path: '/containers/{id*}/export',
      handle: async (req) => ({
        kind: 'bytes',
        status: 200,
        contentType: 'application/x-tar',
        body: await c.export(req.params.id!),
      }),
    },
  ];
}

function archivePath(req: ApiRequest): string {
  const path = queryString(req.query, 'path');
  if (path === undefined) throw invalidArgument('path is required');
  return path;
}

function statHeader(stat: PathStat): Record<string, string> {
  return { 'X-Docker-Container-Path-Stat': Buffer.from(JSON.stringify(stat)).toString('base64') };
}
