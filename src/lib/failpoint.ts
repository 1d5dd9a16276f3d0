/**
 * Crash points for kill tests: when the environment variable BERTH_FAILPOINTS
 * (read once at start) names a point, reaching it kills the process with
 * SIGKILL, exactly as an operator's `kill -9` at that moment would. Unset in
 * production, where `failpoint()` is one Set lookup.
 */
const armed = new Set(
  (process.env.BERTH_FAILPOINTS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
);

/** SIGKILLs this process if `name` is armed. */
export function failpoint(name: string): void {
  if (armed.size > 0 && armed.has(name)) process.kill(process.pid, 'SIGKILL');
}
