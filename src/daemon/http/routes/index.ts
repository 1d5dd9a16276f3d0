/** Every route berthd serves, in match order: implemented ones first. */
import type { Engine } from '../../../engine/engine.ts';
import type { Route } from '../router.ts';
import { buildRoutes } from './build.ts';
import { containerOpsRoutes } from './container-ops.ts';
import { containerRoutes } from './containers.ts';
import { eventRoutes } from './events.ts';
import { execRoutes } from './exec.ts';
import { imageRoutes } from './images.ts';
import { networkRoutes } from './networks.ts';
import { systemRoutes } from './system.ts';
import { unimplementedRoutes } from './unimplemented.ts';
import { volumeRoutes } from './volumes.ts';

export function allRoutes(engine: Engine): Route[] {
  return [
    ...systemRoutes(engine),
    ...containerRoutes(engine),
    ...containerOpsRoutes(engine),
    ...execRoutes(engine),
    ...eventRoutes(engine),
    ...imageRoutes(engine),
    ...networkRoutes(engine),
    ...buildRoutes(engine),
    ...volumeRoutes(engine),
    ...unimplementedRoutes(),
  ];
}
