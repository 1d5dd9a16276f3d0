/** Exec routes: extra processes in a running container. */
import type { Engine } from '../../../engine/engine.ts';
import type { ExecCreateRequest, ExecStartRequest } from '../../../engine/types.ts';
import { invalidArgument } from '../../../lib/errors.ts';
import { queryRequiredInt, readBody } from '../decode.ts';
import { empty, json, type Route } from '../router.ts';
import { execCreateSchema, execStartSchema } from '../schemas.ts';

export function execRoutes(engine: Engine): Route[] {
  const e = engine.exec;
  return [
    {
      method: 'POST',
      path: '/containers/{id*}/exec',
      handle: async (req) => {
        const body = await readBody<Partial<ExecCreateRequest>>(req, execCreateSchema);
        const { Cmd } = body;
        if (!Cmd || Cmd.length === 0) throw invalidArgument('No exec command specified');
        return json(await e.create(req.params.id!, { ...body, Cmd }), 201);
      },
    },
    {
      method: 'POST',
      path: '/exec/{id}/start',
      handle: async (req) => {
        const body = await readBody<ExecStartRequest>(req, execStartSchema, { optional: true });
        const session = await e.start(req.params.id!, body);
        return session === null ? empty(200) : { kind: 'session', session, stdin: true };
      },
    },
    { method: 'GET', path: '/exec/{id}/json', handle: async (req) => json(await e.inspect(req.params.id!)) },
    {
      method: 'POST',
      path: '/exec/{id}/resize',
      handle: async (req) => {
        await e.resize(req.params.id!, { h: queryRequiredInt(req.query, 'h'), w: queryRequiredInt(req.query, 'w') });
        return empty(200);
      },
    },
  ];
}
