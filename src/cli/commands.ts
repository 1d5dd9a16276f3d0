/**
 * The command table: names, aliases and one-line summaries, with a loader per
 * command so only the module of the command being run is imported.
 */
import type { FlagSpec } from './argv.ts';
import type { CommandModule } from './command.ts';

/** Global options, parsed before the command name. */
export const GLOBAL_FLAGS: FlagSpec[] = [
  { long: 'config', type: 'string', description: 'Location of client config files', hidden: true },
  { long: 'debug', short: 'D', type: 'bool', description: 'Enable debug mode' },
  {
    long: 'host',
    short: 'H',
    type: 'string',
    description:
      'Daemon socket to connect to (default $BERTH_HOST, then $DOCKER_HOST, then unix:///run/berth/berth.sock)',
  },
  {
    long: 'log-level',
    short: 'l',
    type: 'string',
    description: 'Set the logging level ("debug", "info", "warn", "error", "fatal")',
    default: 'info',
  },
  { long: 'version', short: 'v', type: 'bool', description: 'Print version information and quit' },
];

/** One command: its canonical path (`container run`), the other ways to call it, and its loader. */
export interface CommandEntry {
  path: readonly string[];
  aliases: readonly (readonly string[])[];
  summary: string;
  load(): Promise<CommandModule>;
}

/** Management commands group verbs under a noun: `berth container ls`. */
export interface CommandGroup {
  name: string;
  summary: string;
}

export const GROUPS: readonly CommandGroup[] = [
  { name: 'container', summary: 'Manage containers' },
  { name: 'image', summary: 'Manage images' },
  { name: 'network', summary: 'Manage networks' },
  { name: 'builder', summary: 'Manage builds' },
  { name: 'system', summary: 'Manage berth' },
  { name: 'volume', summary: 'Manage volumes' },
];

export const COMMANDS: readonly CommandEntry[] = [
  {
    path: ['network', 'create'],
    aliases: [],
    summary: 'Create a network',
    load: () => import('./commands/network/create.ts'),
  },
  {
    path: ['network', 'ls'],
    aliases: [['network', 'list']],
    summary: 'List networks',
    load: () => import('./commands/network/ls.ts'),
  },
  {
    path: ['network', 'inspect'],
    aliases: [],
    summary: 'Display detailed information on one or more networks',
    load: () => import('./commands/network/inspect.ts'),
  },
  {
    path: ['network', 'rm'],
    aliases: [['network', 'remove']],
    summary: 'Remove one or more networks',
    load: () => import('./commands/network/rm.ts'),
  },
  {
    path: ['network', 'prune'],
    aliases: [],
    summary: 'Remove all unused networks',
    load: () => import('./commands/network/prune.ts'),
  },
  {
    path: ['network', 'connect'],
    aliases: [],
    summary: 'Connect a container to a network',
    load: () => import('./commands/network/connect.ts'),
  },
  {
    path: ['network', 'disconnect'],
    aliases: [],
    summary: 'Disconnect a container from a network',
    load: () => import('./commands/network/disconnect.ts'),
  },
  {
    path: ['container', 'port'],
    aliases: [['port']],
    summary: 'List port mappings or a specific mapping for the container',
    load: () => import('./commands/container/port.ts'),
  },
  {
    path: ['container', 'run'],
    aliases: [['run']],
    summary: 'Create and run a new container from an image',
    load: () => import('./commands/container/run.ts'),
  },
  {
    path: ['container', 'exec'],
    aliases: [['exec']],
    summary: 'Execute a command in a running container',
    load: () => import('./commands/container/exec.ts'),
  },
  {
    path: ['container', 'ls'],
    aliases: [['ps'], ['container', 'ps'], ['container', 'list']],
    summary: 'List containers',
    load: () => import('./commands/container/ls.ts'),
  },
  {
    path: ['image', 'ls'],
    aliases: [['images'], ['image', 'list']],
    summary: 'List images',
    load: () => import('./commands/image/ls.ts'),
  },
  {
    path: ['container', 'attach'],
    aliases: [['attach']],
    summary: 'Attach local standard input, output, and error streams to a running container',
    load: () => import('./commands/container/attach.ts'),
  },
  {
    path: ['container', 'commit'],
    aliases: [['commit']],
    summary: "Create a new image from a container's changes",
    load: () => import('./commands/container/commit.ts'),
  },
  {
    path: ['container', 'cp'],
    aliases: [['cp']],
    summary: 'Copy files/folders between a container and the local filesystem',
    load: () => import('./commands/container/cp.ts'),
  },
  {
    path: ['container', 'create'],
    aliases: [['create']],
    summary: 'Create a new container',
    load: () => import('./commands/container/create.ts'),
  },
  {
    path: ['container', 'diff'],
    aliases: [['diff']],
    summary: "Inspect changes to files or directories on a container's filesystem",
    load: () => import('./commands/container/diff.ts'),
  },
  {
    path: ['container', 'export'],
    aliases: [['export']],
    summary: "Export a container's filesystem as a tar archive",
    load: () => import('./commands/container/export.ts'),
  },
  {
    path: ['container', 'inspect'],
    aliases: [],
    summary: 'Display detailed information on one or more containers',
    load: () => import('./commands/container/inspect.ts'),
  },
  {
    path: ['container', 'kill'],
    aliases: [['kill']],
    summary: 'Kill one or more running containers',
    load: () => import('./commands/container/kill.ts'),
  },
  {
    path: ['container', 'logs'],
    aliases: [['logs']],
    summary: 'Fetch the logs of a container',
    load: () => import('./commands/container/logs.ts'),
  },
  {
    path: ['container', 'prune'],
    aliases: [],
    summary: 'Remove all stopped containers',
    load: () => import('./commands/container/prune.ts'),
  },
  {
    path: ['container', 'rename'],
    aliases: [['rename']],
    summary: 'Rename a container',
    load: () => import('./commands/container/rename.ts'),
  },
  {
    path: ['container', 'restart'],
    aliases: [['restart']],
    summary: 'Restart one or more containers',
    load: () => import('./commands/container/restart.ts'),
  },
  {
    path: ['container', 'rm'],
    aliases: [['rm'], ['container', 'remove']],
    summary: 'Remove one or more containers',
    load: () => import('./commands/container/rm.ts'),
  },
  {
    path: ['container', 'start'],
    aliases: [['start']],
    summary: 'Start one or more stopped containers',
    load: () => import('./commands/container/start.ts'),
  },
  {
    path: ['container', 'stop'],
    aliases: [['stop']],
    summary: 'Stop one or more running containers',
    load: () => import('./commands/container/stop.ts'),
  },
  {
    path: ['container', 'wait'],
    aliases: [['wait']],
    summary: 'Block until one or more containers stop, then print their exit codes',
    load: () => import('./commands/container/wait.ts'),
  },
  {
    path: ['container', 'pause'],
    aliases: [['pause']],
    summary: 'Pause all processes within one or more containers',
    load: () => import('./commands/container/pause.ts'),
  },
  {
    path: ['container', 'unpause'],
    aliases: [['unpause']],
    summary: 'Unpause all processes within one or more containers',
    load: () => import('./commands/container/unpause.ts'),
  },
  {
    path: ['container', 'top'],
    aliases: [['top']],
    summary: 'Display the running processes of a container',
    load: () => import('./commands/container/top.ts'),
  },
  {
    path: ['container', 'update'],
    aliases: [['update']],
    summary: 'Update configuration of one or more containers',
    load: () => import('./commands/container/update.ts'),
  },
  {
    path: ['container', 'stats'],
    aliases: [['stats']],
    summary: 'Display a live stream of container(s) resource usage statistics',
    load: () => import('./commands/container/stats.ts'),
  },
  {
    path: ['image', 'bootstrap'],
    aliases: [],
    summary: 'Make a base image from the host, offline (berth extension)',
    load: () => import('./commands/image/bootstrap.ts'),
  },
  {
    path: ['image', 'inspect'],
    aliases: [],
    summary: 'Display detailed information on one or more images',
    load: () => import('./commands/image/inspect.ts'),
  },
  {
    path: ['image', 'rm'],
    aliases: [['rmi'], ['image', 'remove']],
    summary: 'Remove one or more images',
    load: () => import('./commands/image/rm.ts'),
  },
  {
    path: ['image', 'build'],
    aliases: [['build'], ['builder', 'build']],
    summary: 'Build an image from a Dockerfile',
    load: () => import('./commands/image/build.ts'),
  },
  {
    path: ['builder', 'prune'],
    aliases: [],
    summary: 'Remove build cache',
    load: () => import('./commands/image/prune-builder.ts'),
  },
  {
    path: ['image', 'tag'],
    aliases: [['tag']],
    summary: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
    load: () => import('./commands/image/tag.ts'),
  },
  {
    path: ['inspect'],
    aliases: [],
    summary: 'Return low-level information on berth objects',
    load: () => import('./commands/system/inspect.ts'),
  },
  {
    path: ['system', 'df'],
    aliases: [],
    summary: 'Show berth disk usage',
    load: () => import('./commands/system/df.ts'),
  },
  {
    path: ['system', 'events'],
    aliases: [['events']],
    summary: 'Get real time events from the server',
    load: () => import('./commands/system/events.ts'),
  },
  {
    path: ['system', 'info'],
    aliases: [['info']],
    summary: 'Display system-wide information',
    load: () => import('./commands/system/info.ts'),
  },
  {
    path: ['system', 'prune'],
    aliases: [],
    summary: 'Remove unused data',
    load: () => import('./commands/system/prune.ts'),
  },
  {
    path: ['system', 'check'],
    aliases: [],
    summary: 'Compare records with the data on disk; --repair fixes what a crash left (berth extension)',
    load: () => import('./commands/system/check.ts'),
  },
  {
    path: ['volume', 'create'],
    aliases: [],
    summary: 'Create a volume',
    load: () => import('./commands/volume/create.ts'),
  },
  {
    path: ['volume', 'inspect'],
    aliases: [],
    summary: 'Display detailed information on one or more volumes',
    load: () => import('./commands/volume/inspect.ts'),
  },
  {
    path: ['volume', 'ls'],
    aliases: [['volume', 'list']],
    summary: 'List volumes',
    load: () => import('./commands/volume/ls.ts'),
  },
  {
    path: ['volume', 'prune'],
    aliases: [],
    summary: 'Remove unused local volumes',
    load: () => import('./commands/volume/prune.ts'),
  },
  {
    path: ['volume', 'rm'],
    aliases: [['volume', 'remove']],
    summary: 'Remove one or more volumes',
    load: () => import('./commands/volume/rm.ts'),
  },
  {
    path: ['version'],
    aliases: [],
    summary: 'Show the berth version information',
    load: () => import('./commands/system/version.ts'),
  },
];

/** The command `words` name (longest match first) and how many words that took. */
export function findCommand(words: readonly string[]): { entry: CommandEntry; used: number } | undefined {
  let best: { entry: CommandEntry; used: number } | undefined;
  for (const entry of COMMANDS) {
    for (const path of [entry.path, ...entry.aliases]) {
      if (path.length > words.length) continue;
      if (!path.every((w, i) => words[i] === w)) continue;
      if (best === undefined || path.length > best.used) best = { entry, used: path.length };
    }
  }
  return best;
}
