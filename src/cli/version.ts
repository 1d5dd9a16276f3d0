/** The CLI's version, printed by `berth -v` and `berth version`. */
export const CLI_VERSION = '0.1.0';
