/** `berth events` (`berth system events`): stream the daemon's events. */
import type { EventMessage } from '../../../engine/types.ts';
import type { ParsedArgs } from '../../argv.ts';
import type { CommandContext, CommandSpec } from '../../command.ts';
import { parseFilters } from '../../filters.ts';
import { goJson, renderTemplate } from '../../format.ts';
import { parseTimestamp } from '../../time.ts';

export const spec: CommandSpec = {
  usage: '[OPTIONS]',
  summary: 'Get real time events from the server',
  flags: [
    { long: 'filter', short: 'f', type: 'list', description: 'Filter output based on conditions provided' },
    {
      long: 'format',
      type: 'string',
      description: "Format output using a custom template: 'json' or a Go template",
    },
    { long: 'since', type: 'string', description: 'Show all events created since timestamp' },
    { long: 'until', type: 'string', description: 'Stream events until this timestamp' },
  ],
  maxArgs: 0,
};

/** Go's time.Format(RFC3339NanoFixed) of a nanosecond Unix time, in the local zone. */
export function rfc3339NanoFixed(timeNano: number): string {
  const ns = BigInt(timeNano);
  const ms = Number(ns / 1_000_000n);
  const d = new Date(ms);
  const off = -d.getTimezoneOffset();
  const local = new Date(ms + off * 60_000);
  const frac = String(ns % 1_000_000_000n).padStart(9, '0');
  const zone =
    off === 0
      ? 'Z'
      : `${off > 0 ? '+' : '-'}${String(Math.floor(Math.abs(off) / 60)).padStart(2, '0')}:${String(Math.abs(off) % 60).padStart(2, '0')}`;
  return `${local.toISOString().slice(0, 19)}.${frac}${zone}`;
}

/** Docker's default line: time, type, action, actor ID and the sorted attributes. */
export function formatEvent(e: EventMessage): string {
  const attrs = Object.keys(e.Actor.Attributes)
    .sort()
    .map((k) => `${k}=${e.Actor.Attributes[k]}`);
  const tail = attrs.length ? ` (${attrs.join(', ')})` : '';
  return `${rfc3339NanoFixed(e.timeNano)} ${e.Type} ${e.Action} ${e.Actor.ID}${tail}\n`;
}

export async function handler(ctx: CommandContext, p: ParsedArgs): Promise<number> {
  const nowMs = ctx.now();
  const since = p.string('since');
  const until = p.string('until');
  const filters = parseFilters(p.list('filter'));
  const format = p.string('format');
  const engine = await ctx.engine();
  const events = await engine.system.events({
    ...(since ? { since: parseTimestamp(since, nowMs) } : {}),
    ...(until ? { until: parseTimestamp(until, nowMs) } : {}),
    ...(filters ? { filters } : {}),
  });
  for await (const e of events) {
    if (format === 'json' || format === '{{json .}}') ctx.stdout.write(`${goJson(e)}\n`);
    else if (format) ctx.stdout.write(renderTemplate(format, e));
    else ctx.stdout.write(formatEvent(e));
  }
  return 0;
}
