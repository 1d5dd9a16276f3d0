/**
 * `berth system check [--repair]` (berth extension): compares berthd's
 * records with the data root (volumes, and whatever other areas register a
 * check) and reports what a crash left half done; `--repair` fixes it.
 * Exits 1 when problems remain unrepaired.
 */
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS]',
  summary: 'Compare records with the data on disk; --repair fixes what a crash left (berth extension)',
  flags: [{ long: 'repair', type: 'bool', description: 'Fix what is found (finish or undo interrupted work)' }],
  maxArgs: 0,
};

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const engine = await ctx.engine();
  const { Findings } = await engine.system.check({ repair: p.bool('repair') });
  for (const f of Findings) {
    ctx.stdout.write(`${f.Kind} ${f.Name}: ${f.Problem}${f.Repaired ? ' (repaired)' : ''}\n`);
  }
  if (Findings.length === 0) ctx.stdout.write('no problems found\n');
  return Findings.some((f) => !f.Repaired) ? 1 : 0;
}
