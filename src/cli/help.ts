/**
 * Help text in the docker CLI's layout: usage line, summary, aliases,
 * options in pflag's two columns.
 */
import type { FlagSpec } from './argv.ts';
import type { CommandSpec } from './command.ts';
import { COMMANDS, type CommandEntry, GLOBAL_FLAGS, GROUPS } from './commands.ts';

/** pflag's option listing: `  -d, --detach       Run …`, descriptions aligned. */
export function formatFlags(flags: readonly FlagSpec[]): string {
  const shown = flags.filter((f) => f.hidden !== true).sort((a, b) => (a.long < b.long ? -1 : 1));
  const left = shown.map((f) => {
    const names = f.short === undefined ? `      --${f.long}` : `  -${f.short}, --${f.long}`;
    const value = f.type === 'bool' ? '' : ` ${f.valueName ?? (f.type === 'list' ? 'list' : f.type)}`;
    return names + value;
  });
  const width = Math.max(0, ...left.map((l) => l.length)) + 3;
  return shown
    .map((f, i) => {
      let desc = f.description;
      if (f.default !== undefined && f.default !== '') {
        desc += typeof f.default === 'string' ? ` (default "${f.default}")` : ` (default ${f.default})`;
      }
      return left[i]!.padEnd(width) + desc;
    })
    .join('\n');
}

/** Help of one command. */
export function commandHelp(entry: CommandEntry, spec: CommandSpec, invocation: string): string {
  const names = [entry.path, ...entry.aliases].map((p) => `berth ${p.join(' ')}`);
  let out = `\nUsage:  ${invocation} ${spec.usage}\n\n${spec.summary}\n`;
  if (names.length > 1) out += `\nAliases:\n  ${names.join(', ')}\n`;
  const flags = formatFlags(spec.flags);
  if (flags !== '') out += `\nOptions:\n${flags}\n`;
  return out;
}

const COMMON = ['run', 'exec', 'ps', 'images', 'version', 'info'];

/** Help of `berth` itself. */
export function topHelp(): string {
  const rows = (pairs: [string, string][]) => {
    const w = Math.max(...pairs.map(([n]) => n.length)) + 3;
    return pairs.map(([n, s]) => `  ${n.padEnd(w)}${s}`).join('\n');
  };
  const byName = new Map<string, string>();
  for (const c of COMMANDS) {
    for (const p of [c.path, ...c.aliases]) if (p.length === 1) byName.set(p[0]!, c.summary);
  }
  const common = COMMON.map((n): [string, string] => [n, byName.get(n) ?? '']);
  const others = [...byName].filter(([n]) => !COMMON.includes(n)).sort(([a], [b]) => (a < b ? -1 : 1));
  return [
    '',
    'Usage:  berth [OPTIONS] COMMAND',
    '',
    'A Docker-compatible container engine',
    '',
    'Common Commands:',
    rows(common),
    '',
    'Management Commands:',
    rows(GROUPS.map((g) => [g.name, g.summary])),
    '',
    'Commands:',
    rows(others),
    '',
    'Global Options:',
    formatFlags(GLOBAL_FLAGS),
    '',
    "Run 'berth COMMAND --help' for more information on a command.",
    '',
  ].join('\n');
}

/** Help of a management command (`berth container`). */
export function groupHelp(group: string): string {
  const g = GROUPS.find((x) => x.name === group);
  const verbs: [string, string][] = COMMANDS.filter((c) => c.path.length === 2 && c.path[0] === group).map((c) => [
    c.path[1]!,
    c.summary,
  ]);
  verbs.sort(([a], [b]) => (a < b ? -1 : 1));
  const w = Math.max(...verbs.map(([n]) => n.length)) + 3;
  return [
    '',
    `Usage:  berth ${group} COMMAND`,
    '',
    g?.summary ?? '',
    '',
    'Commands:',
    ...verbs.map(([n, s]) => `  ${n.padEnd(w)}${s}`),
    '',
    `Run 'berth ${group} COMMAND --help' for more information on a command.`,
    '',
  ].join('\n');
}
