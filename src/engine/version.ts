/** Versions berth reports: its own, and the range of Docker Engine API versions berthd serves. */

/** berth's own version. */
export const BERTH_VERSION = '0.1.0';
/** The highest Engine API version served; reported in every `Api-Version` header and in /version. */
export const API_VERSION = '1.47';
/** The lowest Engine API version accepted in a path prefix. */
export const MIN_API_VERSION = '1.24';
