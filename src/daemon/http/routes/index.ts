/** Every route berthd serves, in match order: implemented ones first. */
import type { Engine } from '../../../engine/engine.ts';
import type { Route } from '../router.ts';
import { containerRoutes } from './containers.ts';
import { execRoutes } from './exec.ts';
import { imageRoutes } from './images.ts';
import { networkRoutes } from './networks.ts';
import { systemRoutes } from './system.ts';
import { unimplementedRoutes } from './unimplemented.ts';

export function allRoutes(engine: Engine): Route[] {
  return [
    ...systemRoutes(engine),
    ...containerRoutes(engine),
    ...execRoutes(engine),
    ...imageRoutes(engine),
    ...networkRoutes(engine),
    ...unimplementedRoutes(),
  ];
}
