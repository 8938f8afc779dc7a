import type { Command } from 'commander';
import type { NodeUpdateFlags } from './node-update.js';
import { collect } from './repeatable.js';
import { formatOption, inspectFormatOption } from './format-flag.js';
import type { NodeFlags } from './status-action.js';

// `poseidon node …`: names, flags and help only; each action loads status-action.ts when it runs
// (see commands.ts on why definitions stay light).

type WithManager = (cmd: Command) => Command;

/** `--format`'s placeholders (node-format.ts has their values). */
const NODE_FIELDS = [
  'ID',
  'Name',
  'Hostname',
  'Status',
  'State',
  'Availability',
  'Address',
  'CPU',
  'Memory',
  'FreeMemory',
  'Tasks',
  'Load',
  'Heartbeat',
  'Version',
  'Labels',
];

/** What `node` and `node ls` print: a table, JSON, the ids alone or a --format, as `docker node ls` takes them. */
function listOptions(cmd: Command): Command {
  return cmd
    .option('--json', 'print JSON')
    .option('-q, --quiet', 'the node ids alone, one a line')
    .addOption(formatOption('docker node ls', NODE_FIELDS));
}

/** Adds `node` (and `node ls`), `node inspect`, `node update`, `node rm`, `node drain` and `node activate`. */
export function registerNode(program: Command, withManager: WithManager): void {
  const node = listOptions(withManager(program.command('node')))
    .description('list the nodes of the cluster (or inspect, update, drain, activate or remove one)')
    .action(async (flags: NodeFlags) => {
      const { showNodes } = await import('./status-action.js');
      await showNodes(flags);
    });
  // each subcommand takes --manager, --token, --ca and --json too, as every other command does
  // (`node rm w1 --token T`, and `poseidon --token T node rm w1`, whose leading flags go after
  // `rm`); they read node's with their own, so `node --token T rm w1` works as well
  const sub = (name: string): Command => withManager(node.command(name)).option('--json', 'print JSON');
  listOptions(withManager(node.command('ls')))
    .description(
      'list nodes: NAME, STATE (Up/Down; restarting, drained), ADDRESS, CPU, MEMORY, FREE MEMORY, TASKS, LOAD, ' +
        'HEARTBEAT, VERSION, LABELS',
    )
    .action(async (_flags: unknown, cmd: Command) => {
      const { showNodes } = await import('./status-action.js');
      await showNodes(cmd.optsWithGlobals<NodeFlags>());
    });
  sub('inspect')
    .description('show nodes: the state, engine, labels, resources, held host ports, and the tasks of each')
    .argument('<node...>', 'node names or ids (or unique id prefixes)')
    .addOption(inspectFormatOption('docker node inspect'))
    .action(async (names: string[], _flags: unknown, cmd: Command) => {
      const { inspectNodes } = await import('./status-action.js');
      await inspectNodes(names, cmd.optsWithGlobals<NodeFlags>());
    });
  sub('update')
    .description(
      "set a node's labels (over its worker's --label; kept when it restarts) or availability, as docker node " +
        'update does; new placements match them, running tasks stay (admin)',
    )
    .argument('<node>', 'node name or id')
    .option('--label-add <key=value>', 'set a label (repeat)', collect)
    .option('--label-rm <key>', "remove a label, the worker's own too (repeat)", collect)
    .option(
      '--availability <active|pause|drain>',
      'drain: nothing new goes there, its tasks move; pause: nothing new, its tasks stay; active: it takes work',
    )
    .action(async (nameOrId: string, _flags: unknown, cmd: Command) => {
      const { updateNode } = await import('./node-update.js');
      await updateNode(nameOrId, cmd.optsWithGlobals<NodeUpdateFlags>());
    });
  sub('rm')
    .description('remove a node now: its certificate is refused from now on, its tasks go elsewhere (admin)')
    .argument('<node>', 'node name or id')
    .option(
      '--dead',
      'the machine is gone (powered off, its containers with it): its exclusive tasks may run elsewhere',
    )
    .action(async (nameOrId: string, _flags: unknown, cmd: Command) => {
      const { removeNode } = await import('./status-action.js');
      await removeNode(nameOrId, cmd.optsWithGlobals<NodeFlags>());
    });
  sub('drain')
    .description(
      'drain a node: nothing new goes there, its tasks move elsewhere (replicas start elsewhere first) (admin)',
    )
    .argument('<node>', 'node name or id')
    .action(async (nameOrId: string, _flags: unknown, cmd: Command) => {
      const { updateNode } = await import('./node-update.js');
      await updateNode(nameOrId, { ...cmd.optsWithGlobals<NodeFlags>(), availability: 'drain' });
    });
  sub('activate')
    .description('let a drained node take work again (admin)')
    .argument('<node>', 'node name or id')
    .action(async (nameOrId: string, _flags: unknown, cmd: Command) => {
      const { updateNode } = await import('./node-update.js');
      await updateNode(nameOrId, { ...cmd.optsWithGlobals<NodeFlags>(), availability: 'active' });
    });
}
