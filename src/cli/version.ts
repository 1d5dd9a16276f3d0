/** The CLI's version, printed by `berth -v` and `berth version`: berth's own. */
export { BERTH_VERSION as CLI_VERSION } from '../engine/version.ts';
